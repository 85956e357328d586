"""Kafka -> bronze in steady state: the streaming job's own code (kafka_to_bronze.main, trigger once)
in one warm Spark session, over the newest --records records of the catalog's topics, on a bronze
table that already holds the --history records before them (as the live table holds the day's
earlier records, which the MERGE's anti-join scans). Three write paths, each run --repeat times in
rotation, each run on a freshly loaded table:

  merge   every micro-batch through the anti-join MERGE (the job before issue 16)
  append  the job as it is: a batch wholly past the offsets bronze holds is a plain append
  plain   parse and append, no idempotency at all: the engine's floor

Prints one JSON object: per path, per run, records read and seconds (session start-up excluded).

    .venv/bin/python bench/bronze_ingest.py --brokers 127.0.0.1:9092 [--records 120000] [--history 120000]
        [--repeat 3] [--paths merge,append,plain] [--max-offsets-per-trigger N] [--shuffle-partitions N]
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "glue-jobs"))

import kafka_to_bronze  # noqa: E402
from cdc_lake import bronze, catalog  # noqa: E402
from cdc_lake.offsets import kafka_offsets  # noqa: E402
from cdc_lake.parsing import BRONZE_COLUMNS, parse_envelopes  # noqa: E402
from cdc_lake.session import build_session, table_name, warehouse_for  # noqa: E402

BRONZE = table_name(bronze.BRONZE_TABLE)
_MERGE_ALWAYS = None
DISTRIBUTION_MODE = None


def plain_write(spark, good_df, table=None, committed=None, bounds=None):
    good_df.select(*BRONZE_COLUMNS).writeTo(table or BRONZE).append()
    return -1


def ranges(spark, brokers, records, history):
    """Per partition the start of the timed range and of the history before it (JSON offsets)."""
    topics = [catalog.topic(t) for t in catalog.tables()]
    available = kafka_offsets(spark, brokers, topics)
    parts = [(t, p, lo, hi) for t, ps in available.items() for p, (lo, hi) in ps.items()]
    total = sum(hi - lo for *_, lo, hi in parts)
    if total < records + history:
        # a smaller batch measures Spark's fixed cost per batch, not a rate: refuse rather than mislead
        raise SystemExit(f"the topics hold {total} records; --records {records} and --history {history} need "
                         f"{records + history}: run the capture step first (npm run bench -- capture bronze)")
    share = min(1.0, (records + history) / max(total, 1))
    start, old, end = {}, {}, {}
    for t, p, lo, hi in parts:
        n = int((hi - lo) * share)
        first = hi - n
        split = hi - int(n * records / (records + history))
        old.setdefault(t, {})[p] = first
        start.setdefault(t, {})[p] = split
        end.setdefault(t, {})[p] = hi
    return json.dumps(old), json.dumps(start), json.dumps(end)


def load_history(spark, brokers, old, start):
    spark.sql(f"DROP TABLE IF EXISTS {BRONZE} PURGE")
    bronze.ensure_bronze_table(spark)
    if DISTRIBUTION_MODE:
        spark.sql(f"ALTER TABLE {BRONZE} SET TBLPROPERTIES ('write.distribution-mode' = '{DISTRIBUTION_MODE}')")
    if old == start:
        return 0
    df = (spark.read.format("kafka").option("kafka.bootstrap.servers", brokers)
          .option("subscribe", ",".join(catalog.topic(t) for t in catalog.tables()))
          .option("startingOffsets", old).option("endingOffsets", start).option("includeHeaders", "true").load())
    good, _ = parse_envelopes(df, job_run_id="bench-history")
    good.select(*BRONZE_COLUMNS).writeTo(BRONZE).append()
    return spark.table(BRONZE).count()


def timed_run(spark, path, brokers, start, args, scratch):
    # the session's warehouse is the scratch root's (a catalog is built once per session); only the
    # run's checkpoint starts over
    root = scratch
    shutil.rmtree(Path(scratch) / "checkpoints", ignore_errors=True)
    originals = (kafka_to_bronze.CommittedOffsets, bronze.write_bronze_batch)
    if path == "merge":
        kafka_to_bronze.CommittedOffsets = lambda *a, **k: _MERGE_ALWAYS
    elif path == "plain":
        bronze.write_bronze_batch = plain_write
    opts = {"storage_root": f"file://{root}", "catalog": "local", "job_run_id": f"bench-{path}",
            "bootstrap_servers": brokers, "trigger": "once", "trigger_interval": "5 seconds",
            "starting_offsets": start, "max_offsets_per_trigger": args.max_offsets_per_trigger,
            "acknowledge_offset_gap": "", "label": ""}
    t = time.time()
    try:
        summary = kafka_to_bronze.main(opts)
    finally:
        kafka_to_bronze.CommittedOffsets, bronze.write_bronze_batch = originals
    sec = time.time() - t
    return {"records": summary["rows_read"], "batches": summary["batches"], "seconds": round(sec, 2),
            "load1": round(os.getloadavg()[0], 2)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--brokers", required=True)
    p.add_argument("--records", type=int, default=120_000)
    p.add_argument("--history", type=int, default=120_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--paths", default="merge,append,plain")
    p.add_argument("--max-offsets-per-trigger", default=None)
    p.add_argument("--shuffle-partitions", default=None)
    p.add_argument("--event-log", help="write Spark's event log here and print each run's stages")
    p.add_argument("--distribution-mode", help="bronze's write.distribution-mode (none, hash, range)")
    args = p.parse_args(argv)
    scratch = tempfile.mkdtemp(prefix="cdcctl-bench-bronze-")
    extra = {}
    if args.shuffle_partitions:
        extra["spark.sql.shuffle.partitions"] = args.shuffle_partitions
    if args.event_log:
        Path(args.event_log).mkdir(parents=True, exist_ok=True)
        extra.update({"spark.eventLog.enabled": "true", "spark.eventLog.compress": "false", "spark.eventLog.rolling.enabled": "false",
                      "spark.eventLog.dir": Path(args.event_log).resolve().as_uri()})
    spark = build_session("bench_bronze_ingest", warehouse_for(f"file://{scratch}"), "local", extra_conf=extra)
    global DISTRIBUTION_MODE
    DISTRIBUTION_MODE = args.distribution_mode
    try:
        old, start, _ = ranges(spark, args.brokers, args.records, args.history)
        # warm-up: JIT, Kafka consumer, Iceberg's first commit (untimed)
        load_history(spark, args.brokers, old, start)
        timed_run(spark, "append", args.brokers, start, args, scratch)
        out = {path: [] for path in args.paths.split(",")}
        for _ in range(args.repeat):
            for path in out:
                history = load_history(spark, args.brokers, old, start)
                run = timed_run(spark, path, args.brokers, start, args, scratch)
                run["history"] = history
                out[path].append(run)
                print(f"{path}: {run}", file=sys.stderr, flush=True)
        print(json.dumps(out), flush=True)
    finally:
        spark.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
