"""Job arguments as the catalog declares them: Glue's getResolvedOptions on Glue, argparse elsewhere.

Keys come back with dashes turned into underscores (`--storage-root` -> `storage_root`), as argparse
and Glue both do. Outside Glue an argument the catalog does not declare for the job, a value outside
its `choices` or not of its `type` is an error (exit 2), never dropped. On Glue the argument list also
holds Glue's own (--JOB_ID, --TempDir, ...), so only the declared ones are read there; Terraform sets
nothing else (it builds the jobs' default arguments from the same catalog).
"""
import argparse
import datetime
import re

from . import catalog

# The jobs cannot run without these, whoever provides them.
_REQUIRED = {"storage_root", "kafka_brokers"}


def _glue_resolver():
    try:
        from awsglue.utils import getResolvedOptions
    except ImportError:
        return None
    return getResolvedOptions


def _date(value):
    """A YYYY-MM-DD calendar date, kept a string. Checked here, not left to Spark: under ANSI mode a bad
    date would fail the job deep in its first query (exit 1) where a wrong argument is a usage error."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            datetime.date.fromisoformat(value)
            return value
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)")


def _checked(kind, minimum):
    """A value check for argparse that keeps the value a string, as Glue passes it."""
    if kind == "date":
        return _date
    what = "an integer" if kind == "integer" else "a number"
    if minimum is not None:
        what += f" >= {minimum}"

    def check(value):
        try:
            number = int(value) if kind == "integer" else float(value)
        except ValueError:
            number = None
        if number is None or (minimum is not None and number < minimum):
            raise argparse.ArgumentTypeError(f"{value!r} is not {what}")
        return value
    return check


def parse(argv, job):
    """Parse `argv` (sys.argv, program name first) against `job`'s catalog arguments."""
    specs = catalog.job_arguments(job)
    required = [name for name, s in specs.items() if s.get("provided") in _REQUIRED]
    out = {name.replace("-", "_"): s.get("default") for name, s in specs.items()}
    resolve = _glue_resolver()
    if resolve is not None:
        # getResolvedOptions fails on any listed option that is absent: ask only for those passed.
        present = [name for name in specs if f"--{name}" in argv and name not in required]
        glue_run = ["JOB_RUN_ID"] if "--JOB_RUN_ID" in argv else []
        resolved = resolve(argv, required + present + glue_run)
        out.update({k.replace("-", "_"): v for k, v in resolved.items() if k != "JOB_RUN_ID"})
        out["job_run_id"] = out.get("job_run_id") or resolved.get("JOB_RUN_ID")
        return out
    parser = argparse.ArgumentParser(prog=job, allow_abbrev=False)
    for name, s in specs.items():
        kind = s.get("type", "string")
        parser.add_argument(f"--{name}", required=name in required, default=s.get("default"),
                            choices=s.get("choices"),
                            type=None if kind == "string" else _checked(kind, s.get("minimum")),
                            help=s["description"])
    return vars(parser.parse_args(argv[1:]))
