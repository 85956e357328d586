"""A local job's driver, started before anyone asks for the job (cdcctl's warm driver, local target only).

spark-submit starts this script as it would start a job. It builds the session every job builds (the
pinned jars, the Iceberg catalog on the storage root's warehouse) and runs a first query, so the JVM,
pyspark and the catalog are loaded. Then it waits for its claim: `cdcctl job run` renames the
driver's `.idle` file to `.taken` (only one run can) and writes `<token>.claim` with the job's script
and arguments. The driver runs that script here, as `__main__`, exactly as spark-submit would have:
the job's own build_session gets this session back. The process then exits with the job's status, so
every run is still one process group that is stopped, killed and read as a cold run is.

Usage: spark-submit warm_driver.py --token T --dir D --storage-root R [--idle-seconds N]
"""
import argparse
import json
import os
import runpy
import sys
import time
from pathlib import Path


def wait_for_claim(base, idle_seconds, poll=0.02):
    """The request a run wrote to `<base>.claim`, or None when the driver is retired: cdcctl removed its
    `.idle` file (`local down`, or a driver of another key started), or nobody claimed it within
    `idle_seconds`. Retiring on time is a rename of `.idle`, the same step a claim takes, so a run that
    claims the driver at that moment still gets it."""
    idle, taken, claim = (base.with_suffix(s) for s in (".idle", ".taken", ".claim"))
    deadline = time.monotonic() + idle_seconds
    while True:
        if claim.exists():
            request = json.loads(claim.read_text())
            claim.unlink()
            taken.unlink(missing_ok=True)
            return request
        if not idle.exists() and not taken.exists():
            return None
        if time.monotonic() > deadline:
            try:
                idle.rename(base.with_suffix(".retired"))
            except FileNotFoundError:
                continue  # claimed just now: its request follows
            base.with_suffix(".retired").unlink()
            return None
        time.sleep(poll)


def main(argv):
    parser = argparse.ArgumentParser(prog="warm_driver")
    parser.add_argument("--token", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--storage-root", required=True)
    parser.add_argument("--idle-seconds", type=float, default=3600)
    opts = parser.parse_args(argv[1:])
    base = Path(opts.dir) / opts.token

    from cdc_lake.session import build_session, warehouse_for

    spark = build_session("cdcctl_job", warehouse_for(opts.storage_root), "local")
    spark.sql("SELECT 1").collect()
    print(f"warm driver {opts.token} ready", flush=True)
    request = wait_for_claim(base, opts.idle_seconds)
    if request is None:
        spark.stop()
        return 0
    script = request["script"]
    # the job imports cdc_lake (and the catalog it reads) afresh: a file edited while this driver
    # waited is read as a cold run would read it; only the session, keyed by cdcctl, carries over
    for name in [m for m in sys.modules if m == "cdc_lake" or m.startswith("cdc_lake.")]:
        del sys.modules[name]
    sys.argv = [script, *request["argv"]]
    sys.path.insert(0, os.path.dirname(script))
    print(f"warm driver {opts.token} runs {script}", flush=True)
    runpy.run_path(script, run_name="__main__")  # the entry scripts end in sys.exit(status)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
