"""Cost of one bronze -> silver SCD2 run as silver grows: is it flat in the table size?

For each silver size N (current `users` rows) this builds a throwaway lake under /tmp, loads N rows,
then applies the same fixed batch of K changes (K - deletes updates plus a few deletes) through the
real code path -- write_bronze_batch, then silver.process_table -- and prints the run's time next to
what its Iceberg snapshots say it wrote, and what the run's Spark stages read. It asserts nothing
about speed.

    .venv/bin/python bench/silver_merge_cost.py [--sizes 10000,100000,1000000] [--updates 1000]
        [--deletes 10] [--shapes clustered,uniform] [--direct-above 100000] [--silver-format-version 2|3]
        [--row-reader] [--keep] [--repeat R] [--json FILE]

Which keys a batch changes (--shapes; every shape is run on the same loaded table, which is rolled
back -- silver and bronze -- between shapes, so each starts from the same state):
  clustered  the realistic CDC shape: --hot-share (80%) of the changes hit the newest --hot-fraction
             (5%) of the keys (recent rows are the ones that change), the rest random over [0, N)
  uniform    every change on a random key over [0, N): the worst case for key-range pruning, since
             the changed keys' bounds cover (nearly) the whole table
  hot        every change on the newest --hot-fraction of the keys: the best case

Initial load: N insert events are generated with spark.range and written to bronze; silver is then
loaded by the real process_table for N <= --direct-above, and above that written directly in the
silver schema (same hash/derived columns, watermark = bronze head in the same snapshot), which is
much cheaper than SCD2-processing 1M inserts. The output says which was used per N.

Before the timed batch one untimed warm-up batch (a tenth of K, other keys) goes through the same
path, so JVM/JIT warm-up does not flatter the larger sizes, and every timed run starts from a table
that already has one merge-on-read commit on it.
"""
import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "glue-jobs"))

from cdc_lake import scd2, silver  # noqa: E402
from cdc_lake.bronze import BRONZE_TABLE, ensure_bronze_table, write_bronze_batch  # noqa: E402
from cdc_lake.parsing import BRONZE_COLUMNS  # noqa: E402
from cdc_lake.session import build_session, table_name, warehouse_for  # noqa: E402
from cdc_lake.catalog import silver_columns, spec  # noqa: E402
from cdc_lake.watermark import WATERMARK_PROPERTY, current_lineage, encode_watermark  # noqa: E402

T0 = 1_764_064_800_000  # 2025-11-25T10:00:00Z: initial inserts
DAY = 86_400_000
CHANGE_LSN = 10_000_000_000  # LSNs of the change batches start above every insert's LSN
SILVER = table_name("silver_users")
BRONZE = table_name(BRONZE_TABLE)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10000,100000,1000000",
                   type=lambda s: [int(x.replace("_", "")) for x in s.split(",") if x])
    p.add_argument("--updates", type=int, default=1_000, help="updates per timed batch (K - deletes)")
    p.add_argument("--deletes", type=int, default=10, help="deletes per timed batch")
    p.add_argument("--direct-above", type=int, default=100_000,
                   help="load silver directly (not via process_table) when N is above this")
    p.add_argument("--shapes", default="clustered,uniform,hot",
                   type=lambda s: [x for x in s.split(",") if x], help="clustered, uniform and/or hot")
    p.add_argument("--hot-share", type=float, default=0.8, help="clustered: share of changes on hot keys")
    p.add_argument("--hot-fraction", type=float, default=0.05, help="clustered: newest share of keys that is hot")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--row-reader", action="store_true",
                   help="read Parquet with Iceberg's row reader instead of its vectorized one (the default)")
    p.add_argument("--silver-format-version", choices=("2", "3"), default=silver.SILVER_PROPERTIES["format-version"],
                   help="Iceberg format version of the throwaway silver table (3: deletion vectors); "
                        "default: the pipeline's")
    p.add_argument("--keep", action="store_true", help="keep the /tmp warehouse")
    p.add_argument("--repeat", type=int, default=1, help="timed batches per shape (each from the same state)")
    p.add_argument("--json", help="also write every timed run to this file (npm run bench reads it)")
    return p.parse_args(argv)


# ---------------------------------------------------------------------------------------------------
# bronze rows, generated with Spark


def bronze_events(spark, ids_df, op, lsn, ts_ms, offset, email_tag):
    """Bronze rows (every BRONZE_COLUMNS column) for the ids in `ids_df` (column `id`).

    lsn/ts_ms/offset are Column expressions; the image is JSON text like Debezium's.
    """
    from pyspark.sql import functions as F
    image = F.to_json(F.struct(
        F.col("id"),
        F.concat(F.lit("user"), F.col("id"), F.lit(f"{email_tag}@example"), (F.col("id") % 50).cast("string"),
                 F.lit(".com")).alias("email"),
        F.concat(F.lit("User "), F.col("id")).alias("full_name"),
        F.element_at(F.array(*[F.lit(c) for c in ("IN", "US", "DE", "BR", "JP")]),
                     (F.col("id") % 5 + 1).cast("int")).alias("country"),
        F.lit("2025-11-25T09:00:00Z").alias("created_at"),
        F.date_format(F.timestamp_millis(ts_ms), "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").alias("updated_at"),
    ))
    ts = F.timestamp_millis(ts_ms)
    return ids_df.select(
        F.lit("users").alias("source_table"),
        F.lit(op).alias("operation"),
        F.to_json(F.struct(F.col("id"))).alias("key"),
        (image if op == "d" else F.lit(None).cast("string")).alias("before"),
        (F.lit(None).cast("string") if op == "d" else image).alias("after"),
        lsn.cast("bigint").alias("source_lsn"),
        F.lit(700).cast("bigint").alias("source_tx_id"),
        ts_ms.cast("bigint").alias("source_ts_ms"),
        (ts_ms + 5).cast("bigint").alias("ts_ms"),
        ts.alias("event_ts"),
        F.to_date(ts).alias("event_date"),
        F.lit("cdc.db.users").alias("kafka_topic"),
        F.lit(0).alias("kafka_partition"),
        offset.cast("bigint").alias("kafka_offset"),
        F.current_timestamp().alias("ingested_at"),
        F.lit(0).alias("replay_count"),
        F.lit(None).cast("string").alias("origin_topic"),
        F.lit(None).cast("int").alias("origin_partition"),
        F.lit(None).cast("bigint").alias("origin_offset"),
    ).select(*BRONZE_COLUMNS)


def insert_events(spark, n):
    from pyspark.sql import functions as F
    ids = spark.range(n).select(F.col("id"))
    return bronze_events(spark, ids, "c", F.col("id") + 1, F.lit(T0) + F.col("id") % 3_600_000,
                         F.col("id"), "")


def change_events(spark, update_ids, delete_ids, batch_no):
    """One batch: updates (new email) on `update_ids`, deletes on `delete_ids`; on its own day."""
    from pyspark.sql import functions as F
    base_lsn = CHANGE_LSN + batch_no * 1_000_000
    base_ts = T0 + (batch_no + 1) * DAY
    ups = spark.createDataFrame([(k, i) for i, k in enumerate(update_ids)], "id bigint, i bigint")
    dels = spark.createDataFrame([(k, len(update_ids) + i) for i, k in enumerate(delete_ids)],
                                 "id bigint, i bigint")
    parts = [bronze_events(spark, ups.select("id", "i"), "u", F.lit(base_lsn) + F.col("i"),
                           F.lit(base_ts) + F.col("i") * 10, F.lit(base_lsn) + F.col("i"), f"b{batch_no}")]
    if delete_ids:
        parts.append(bronze_events(spark, dels, "d", F.lit(base_lsn) + F.col("i"),
                                   F.lit(base_ts) + F.col("i") * 10, F.lit(base_lsn) + F.col("i"), ""))
    out = parts[0]
    for p in parts[1:]:
        out = out.unionByName(p)
    return out.coalesce(1)


def pick_keys(rng, n, count, exclude=(), lo=0):
    """`count` distinct keys drawn uniformly from [lo, n), none in `exclude`."""
    excluded = set(exclude)
    count = min(count, (n - lo) - sum(1 for k in excluded if lo <= k < n))
    chosen = set()
    while len(chosen) < count:
        k = rng.randrange(lo, n)
        if k not in excluded:
            chosen.add(k)
    return sorted(chosen)


def pick_batch(rng, n, updates, deletes, shape, args):
    """(update keys, delete keys) of one batch of the given shape; the two sets are disjoint."""
    if shape == "uniform":
        upd = pick_keys(rng, n, updates)
        return upd, pick_keys(rng, n, deletes, exclude=upd)
    if shape not in ("clustered", "hot"):
        raise SystemExit(f"unknown shape {shape!r}: expected clustered, uniform or hot")
    hot_lo = n - max(1, int(n * args.hot_fraction))
    share = 1.0 if shape == "hot" else args.hot_share

    def mixed(count, exclude):
        hot = pick_keys(rng, n, round(count * share), exclude=exclude, lo=hot_lo)
        return sorted(hot + pick_keys(rng, n, count - len(hot), exclude=set(exclude) | set(hot)))
    upd = mixed(updates, ())
    return upd, mixed(deletes, upd)


# ---------------------------------------------------------------------------------------------------
# silver: direct initial load


def load_silver_directly(spark, n, bronze_head):
    """The N current rows process_table would produce from the insert events, written in one append
    with the watermark in the same snapshot (as stage_history does)."""
    from pyspark.sql import functions as F
    decoded = scd2.decode_rows(insert_events(spark, n), "users")
    rows = scd2.derive_columns(decoded.withColumn("_hash", scd2.row_hash("users")), "users").select(
        *spec("users").business_columns, "email_domain", "_valid_from",
        F.lit(None).cast("timestamp").alias("_valid_to"), F.lit(True).alias("_is_current"),
        "_hash", "operation", "_source_lsn",
    ).select(*silver_columns("users"))
    silver.ensure_silver_table(spark, "users")
    (rows.writeTo(SILVER)
     .option(f"snapshot-property.{WATERMARK_PROPERTY}", encode_watermark(bronze_head))
     .append())


# ---------------------------------------------------------------------------------------------------
# measurements


def run_snapshots_summary(spark, since):
    """(operations, summary) of the snapshots main gained after snapshot `since`: a run commits a
    delete and an append (stage_history), so the counts of what it added are summed over them; the
    table's totals (total-*) are the newest snapshot's."""
    ops, summary = [], {}
    for snap in current_lineage(spark, SILVER):
        if snap.snapshot_id == since:
            break
        ops.insert(0, snap.operation)
        for k, v in snap.summary.items():
            if k.startswith("total-"):
                summary.setdefault(k, int(v))
            elif v.isdigit():
                summary[k] = summary.get(k, 0) + int(v)
    return "+".join(ops), summary


class StageMeter:
    """Input/shuffle totals of the Spark stages that ran since start() (from the app status store)."""

    def __init__(self, spark):
        self.jvm = spark._jvm
        self.no_quantiles = spark.sparkContext._gateway.new_array(spark._jvm.double, 0)
        self.store = spark.sparkContext._jsc.sc().statusStore()
        self.seen = set()

    def _stages(self):
        # stageList(statuses, details, withSummaries, unsortedQuantiles, taskStatus): a Scala Seq
        seq = self.store.stageList(None, False, False, self.no_quantiles, self.jvm.java.util.ArrayList())
        return [seq.apply(i) for i in range(seq.size())]

    def start(self):
        self.seen = {(s.stageId(), s.attemptId()) for s in self._stages()}

    def stop(self):
        tot = {"stages": 0, "input_records": 0, "input_bytes": 0, "shuffle_write_bytes": 0, "output_bytes": 0}
        for s in self._stages():
            if (s.stageId(), s.attemptId()) in self.seen:
                continue
            tot["stages"] += 1
            tot["input_records"] += s.inputRecords()
            tot["input_bytes"] += s.inputBytes()
            tot["shuffle_write_bytes"] += s.shuffleWriteBytes()
            tot["output_bytes"] += s.outputBytes()
        return tot


def timed_process_table(spark, meter):
    """process_table, with the time spent writing (stage_history, then publish) split out."""
    write_time = [0.0]
    real = {name: getattr(silver, name) for name in ("stage_history", "publish")}

    def timed(fn):
        def run(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                write_time[0] += time.perf_counter() - t
        return run

    for name, fn in real.items():
        setattr(silver, name, timed(fn))
    meter.start()
    t = time.perf_counter()
    try:
        result = silver.process_table(spark, "users")
    finally:
        for name, fn in real.items():
            setattr(silver, name, fn)
    seconds = time.perf_counter() - t
    # the status store is fed by a listener: let it drain before reading the stages
    time.sleep(0.5)
    return result, seconds, write_time[0], meter.stop()


def drop_tables(spark):
    for row in spark.sql("SHOW TABLES IN lake.cdc").collect():
        spark.sql(f"DROP TABLE IF EXISTS lake.cdc.{row.tableName} PURGE")


def snapshot_id(spark, table):
    return spark.sql(f"SELECT snapshot_id FROM {table}.refs WHERE name = 'main'").first().snapshot_id


def rollback(spark, table, snap):
    spark.sql(f"CALL lake.system.rollback_to_snapshot('{table.split('.', 1)[1]}', {snap})")


def run_size(spark, meter, n, args):
    """One loaded table of N rows, then one timed batch per shape. Returns {shape: result row}."""
    drop_tables(spark)
    ensure_bronze_table(spark)
    rng_keys = __import__("random").Random(args.seed)

    t = time.perf_counter()
    write_bronze_batch(spark, insert_events(spark, n))
    head = silver.bronze_head(spark)
    if n > args.direct_above:
        load_silver_directly(spark, n, head)
        how = "direct write"
    else:
        silver.process_table(spark, "users")
        how = "process_table"
    load_s = time.perf_counter() - t
    silver_count = spark.table(SILVER).count()

    # the same keys for every N would bias the small table; the same *number* spread over [0, N) is
    # the fixed batch. The warm-up batch has the first shape, on a tenth of K.
    warm_keys, _ = pick_batch(rng_keys, n, max(1, args.updates // 10), 0, args.shapes[0], args)
    write_bronze_batch(spark, change_events(spark, warm_keys, [], batch_no=0))
    silver.process_table(spark, "users")
    start = {SILVER: snapshot_id(spark, SILVER), BRONZE: snapshot_id(spark, BRONZE)}

    out = {}
    for i, shape in enumerate(args.shapes * args.repeat):
        if i:  # the same starting state for every shape
            for table, snap in start.items():
                rollback(spark, table, snap)
        upd, dels = pick_batch(rng_keys, n, args.updates, args.deletes, shape, args)
        write_bronze_batch(spark, change_events(spark, upd, dels, batch_no=1))
        result, seconds, merge_s, stages = timed_process_table(spark, meter)
        op, summ = run_snapshots_summary(spark, start[SILVER])
        g = lambda k: int(summ.get(k, 0))  # noqa: E731
        out[shape if i < len(args.shapes) else f"{shape}#{i // len(args.shapes) + 1}"] = {
            "n": n, "k": len(upd) + len(dels), "load": how, "load_s": load_s, "silver_rows": silver_count,
            "seconds": seconds, "merge_s": merge_s, "rows_read": result["rows_read"],
            "rows_written": result["rows_written"], "op": op,
            "data_added": g("added-data-files"), "deletes_added": g("added-delete-files"),
            "records_added": g("added-records"), "pos_deletes_added": g("added-position-deletes"),
            "data_removed": g("deleted-data-files"), "deletes_removed": g("removed-delete-files"),
            "dvs_added": g("added-dvs"),
            "bytes_added": g("added-files-size"), "bytes_removed": g("removed-files-size"),
            "total_data": g("total-data-files"), "total_deletes": g("total-delete-files"),
            "total_records": g("total-records"), **stages,
        }
    return out


def mb(b):
    return f"{b / 1e6:.2f}"


def scaling(lo, hi, size_ratio):
    """How a measure grew between two sizes: 'flat', 'O(N)' or the growth exponent in between."""
    ratio = hi / max(1, lo)
    exp = math.log(max(ratio, 1e-9)) / math.log(size_ratio) if size_ratio > 1 else 0.0
    if ratio < 2:
        kind = "flat in N"
    elif exp > 0.8:
        kind = "O(N)"
    else:
        kind = f"sub-linear (~N^{exp:.2f})"
    return ratio, kind


def report(rows, shape, args):
    cols = [
        ("N", "n"), ("K", "k"), ("seconds", "seconds"), ("merge s", "merge_s"),
        ("data files +", "data_added"), ("delete files +", "deletes_added"), ("records +", "records_added"),
        ("delete files -", "deletes_removed"), ("DVs +", "dvs_added"),
        ("pos deletes +", "pos_deletes_added"), ("data files -", "data_removed"),
        ("MB written", "bytes_added"), ("MB removed", "bytes_removed"),
        ("total data files", "total_data"), ("scan records", "input_records"), ("scan MB", "input_bytes"),
        ("shuffle MB", "shuffle_write_bytes"),
    ]

    def fmt(key, v):
        if key in ("seconds", "merge_s"):
            return f"{v:.1f}"
        if key in ("bytes_added", "bytes_removed", "input_bytes", "shuffle_write_bytes"):
            return mb(v)
        return f"{v:,}"

    what = {"clustered": f"{args.hot_share:.0%} of changes on the newest {args.hot_fraction:.0%} of keys, "
                         "the rest random over the whole table",
            "uniform": "every change on a random key over the whole table",
            "hot": f"every change on the newest {args.hot_fraction:.0%} of keys (as far as there are keys)"}[shape]
    print(f"\n=== shape: {shape} ({what})")
    table = [[h for h, _ in cols]] + [[fmt(k, r[k]) for _, k in cols] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(cols))]
    print()
    for i, line in enumerate(table):
        print(" | ".join(c.rjust(w) for c, w in zip(line, widths)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))
    print()
    for r in rows:
        print(f"N={r['n']:,}: initial silver via {r['load']} ({r['load_s']:.1f}s, {r['silver_rows']:,} rows); "
              f"run read {r['rows_read']:,} bronze rows, merged {r['rows_written']:,} silver rows, "
              f"snapshot op={r['op']}, total records after={r['total_records']:,}, "
              f"{r['stages']} Spark stages; scanned {r['input_records'] / r['n']:.2f} x N, "
              f"{r['input_records'] / max(1, r['k']):.0f} per change")
    if len(rows) < 2:
        return
    lo, hi = rows[0], rows[-1]
    size_ratio = hi["n"] / lo["n"]
    time_ratio = hi["seconds"] / lo["seconds"]
    scan_ratio, scan_kind = scaling(lo["input_records"], hi["input_records"], size_ratio)
    shuffle_ratio, shuffle_kind = scaling(lo["shuffle_write_bytes"], hi["shuffle_write_bytes"], size_ratio)
    write_keys = ("data_added", "deletes_added", "records_added", "data_removed")
    writes_flat = all(r[k] == lo[k] for r in rows for k in write_keys) and lo["data_removed"] == 0
    bytes_ratio = hi["bytes_added"] / max(1, lo["bytes_added"])
    time_part = (f"run time x{time_ratio:.2f} ({lo['seconds']:.1f}s -> {hi['seconds']:.1f}s, "
                 + ("roughly flat: fixed per-run overhead dominates at these sizes" if time_ratio < 1.5
                    else "growing with N") + ")")
    write_part = (f"write side flat: files/records written per run are constant in N ({lo['data_added']} data + "
                  f"{lo['deletes_added']} delete files, {lo['records_added']:,} records, no data file "
                  f"rewritten, bytes written x{bytes_ratio:.2f})" if writes_flat else
                  "write side: files/records written per run CHANGE with N (data files "
                  + "/".join(str(r["data_added"]) for r in rows) + " added, "
                  + "/".join(str(r["data_removed"]) for r in rows) + " rewritten)")
    read_part = (f"read side {scan_kind}: records scanned x{scan_ratio:.1f} "
                 f"({lo['input_records']:,} -> {hi['input_records']:,}; {hi['input_records'] / hi['n']:.2f} x N "
                 f"at N={hi['n']:,}), shuffle {shuffle_kind} x{shuffle_ratio:.1f} "
                 f"({mb(lo['shuffle_write_bytes'])} -> {mb(hi['shuffle_write_bytes'])} MB)")
    print()
    print(f"Conclusion [{shape}]: N x{size_ratio:,.0f} ({lo['n']:,} -> {hi['n']:,}), K={hi['k']:,}: "
          f"{time_part}; {write_part}; {read_part}.")


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    root = Path(tempfile.mkdtemp(prefix="cdcctl-bench-silver-", dir="/tmp"))
    warehouse = warehouse_for(str(root))
    assert ".cdcctl" not in warehouse, warehouse
    print(f"warehouse: {warehouse}  sizes: {args.sizes}  K: {args.updates} updates + {args.deletes} deletes  "
          f"silver format v{args.silver_format_version}  {'row' if args.row_reader else 'vectorized'} reader",
          flush=True)
    silver.SILVER_PROPERTIES["format-version"] = args.silver_format_version
    spark = build_session("silver-merge-cost", warehouse, "local", extra_conf={
        "spark.driver.memory": "3g",
        "spark.sql.shuffle.partitions": "4",
        "spark.ui.retainedStages": "100000",
        # Iceberg 1.7.1's vectorized reader crashed this JVM (SIGSEGV) on this benchmark's 10k-row
        # bronze file; 1.11.0 reads it. --row-reader compares the two readers.
        "spark.sql.iceberg.vectorization.enabled": str(not args.row_reader).lower(),
        "spark.driver.extraJavaOptions": (
            # crash reports go to the throwaway dir, not the cwd
            "-Duser.timezone=UTC -XX:+UseParallelGC "
            f"-XX:ErrorFile={root}/hs_err_pid%p.log -XX:ReplayDataFile={root}/replay_pid%p.log"),
    }, log_level="ERROR")
    meter = StageMeter(spark)
    rows = []
    try:
        # untimed warm-up of the JVM on a small table, so the first size is not charged for it
        t = time.perf_counter()
        run_size(spark, meter, min(2_000, min(args.sizes)), args)
        print(f"  warm-up: {time.perf_counter() - t:.0f}s", flush=True)
        for n in args.sizes:
            t = time.perf_counter()
            r = run_size(spark, meter, n, args)
            rows.append(r)
            print(f"  N={n:,}: timed runs " + ", ".join(f"{sh} {x['seconds']:.1f}s" for sh, x in r.items())
                  + f" (whole size {time.perf_counter() - t:.0f}s)", flush=True)
        for shape in args.shapes:
            report([r[shape] for r in rows], shape, args)
        if args.json:
            Path(args.json).write_text(json.dumps(rows, default=str))
    finally:
        try:
            spark.stop()
        except Exception as e:  # a crashed JVM: still clean up the warehouse
            print(f"spark.stop failed: {e}", file=sys.stderr)
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
