"""What merge-on-read costs readers as runs pile up, and what lake maintenance gives back.

Loads silver_users with N rows, applies R hourly-like batches of K changes through the real code path
(write_bronze_batch, then silver.process_table; the `clustered` shape of silver_merge_cost.py), then
runs cdc_lake.maintenance (compaction due at once, eager expiry) and one more batch, and maintenance
once more (which frees the files the compaction replaced, once a newer watermark commit exists). Each
row gives the table's files before a run, what that bronze_to_silver run scans, and what a full read of
the current rows after it (what silver_to_gold does) scans and takes. It asserts nothing.

    .venv/bin/python bench/lake_maintenance.py [--size 100000] [--runs 24] [--updates 1000] [--deletes 10]
"""
import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "glue-jobs"))

from cdc_lake import maintenance, silver  # noqa: E402
from cdc_lake.bronze import ensure_bronze_table, write_bronze_batch  # noqa: E402
from cdc_lake.session import build_session, warehouse_for  # noqa: E402
from silver_merge_cost import (  # noqa: E402
    SILVER, StageMeter, change_events, insert_events, load_silver_directly, mb, pick_batch, timed_process_table,
)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=100_000, help="current rows in silver_users (N)")
    p.add_argument("--runs", type=int, default=24, help="change batches before maintenance (R)")
    p.add_argument("--updates", type=int, default=1_000)
    p.add_argument("--deletes", type=int, default=10)
    p.add_argument("--hot-share", type=float, default=0.8)
    p.add_argument("--hot-fraction", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=42)
    return p.parse_args(argv)


def full_read(spark, meter):
    """Scan of the current rows, as silver_to_gold reads them: (seconds, stage totals)."""
    meter.start()
    t = time.perf_counter()
    spark.table(SILVER).where("_is_current").groupBy().count().collect()
    seconds = time.perf_counter() - t
    time.sleep(0.5)  # let the status store catch up
    return seconds, meter.stop()


def measure(spark, meter, rng, args, batch_no, label):
    stats = maintenance.file_stats(spark, SILVER)
    upd, dels = pick_batch(rng, args.size, args.updates, args.deletes, "clustered", args)
    write_bronze_batch(spark, change_events(spark, upd, dels, batch_no=batch_no))
    _, run_s, _, run = timed_process_table(spark, meter)
    read_s, read = full_read(spark, meter)
    print(f"{label:<28} | {stats['data_files']:>10} | {stats['delete_files']:>12} | {run_s:>6.1f} | "
          f"{run['input_records']:>12,} | {mb(run['input_bytes']):>7} | {read_s:>6.1f} | "
          f"{read['input_records']:>12,} | {mb(read['input_bytes']):>7}")


def maintain(spark):
    """Maintenance with compaction due at once and eager expiry: (silver_users result, s, files freed)."""
    t = time.perf_counter()
    results = maintenance.run(spark, retain_days=0, retain_last=1, min_delete_files=1, min_small_files=2)
    seconds = time.perf_counter() - t
    silver_users = next(r for r in results if r["table"] == "silver_users")
    return silver_users, seconds, sum(r["deleted_files"] for r in results)


def main(argv):
    args = parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="cdc-bench-maintenance-"))
    spark = build_session("bench-lake-maintenance", warehouse_for(root.as_uri()), "local", log_level="ERROR")
    meter = StageMeter(spark)
    rng = random.Random(args.seed)
    try:
        ensure_bronze_table(spark)
        write_bronze_batch(spark, insert_events(spark, args.size))
        load_silver_directly(spark, args.size, silver.bronze_head(spark))
        print(f"silver_users: {args.size:,} rows; {args.runs} runs of {args.updates + args.deletes:,} changes "
              f"({args.hot_share:.0%} on the newest {args.hot_fraction:.0%} of keys)\n")
        print(f"{'before':<28} | data files | delete files | run s  | run scan rec | run MB  | read s | "
              f"read scan rec | read MB")
        measure(spark, meter, rng, args, 1, "run 1")
        for b in range(2, args.runs):
            upd, dels = pick_batch(rng, args.size, args.updates, args.deletes, "clustered", args)
            write_bronze_batch(spark, change_events(spark, upd, dels, batch_no=b))
            silver.process_table(spark, "users")
        measure(spark, meter, rng, args, args.runs, f"run {args.runs}")

        s, seconds, freed = maintain(spark)
        print(f"\nmaintenance: {seconds:.1f}s; silver_users rewrote {s['rewritten_data_files']} data files "
              f"({mb(s['rewritten_bytes'])} MB) into {s['added_data_files']} and dropped "
              f"{s['before']['delete_files'] - s['after']['delete_files']} delete files; expiry freed {freed} files "
              "(the watermark's snapshot still holds the old ones)\n")
        measure(spark, meter, rng, args, args.runs + 1, f"run {args.runs + 1} (compacted)")
        again, seconds, freed = maintain(spark)
        print(f"\nmaintenance again: {seconds:.1f}s, silver_users compacted again: {again['compacted']}; "
              f"expiry freed {freed} files")
    finally:
        spark.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
