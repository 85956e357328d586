"""The bronze table: create it, and append a micro-batch idempotently.

Idempotency has two paths. Every bronze commit records, in its snapshot summary, the Kafka offsets
bronze holds up to (`cdc.kafka-offsets`: topic -> partition -> next offset, cumulative). A batch whose
every record lies at or past those offsets cannot be in bronze yet: it is a plain append (the hot
path: the streaming job's next micro-batch). Any other batch -- a micro-batch redone after a crash
between the bronze commit and the checkpoint's, a checkpoint started over, a table written before
the summary key existed -- goes through the MERGE that inserts only the records bronze lacks.
"""
import json
import re
import uuid

from pyspark.sql import DataFrame, functions as F

from . import catalog
from .dlq import batch_fingerprint, write_dlq
from .parsing import BRONZE_COLUMNS, split_envelopes, stage_envelopes
from .session import table_name
from .watermark import commit_properties, newest_carrying

KAFKA_OFFSETS_PROPERTY = "cdc.kafka-offsets"

BRONZE_TABLE = catalog.bronze_table()
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$")

BRONZE_DDL = """
CREATE TABLE IF NOT EXISTS {table} (
  source_table string, operation string, key string, before string, after string,
  source_lsn bigint, source_tx_id bigint, source_ts_ms bigint, ts_ms bigint,
  event_ts timestamp, event_date date,
  kafka_topic string, kafka_partition int, kafka_offset bigint, ingested_at timestamp,
  replay_count int, origin_topic string, origin_partition int, origin_offset bigint
) USING iceberg
PARTITIONED BY (source_table, days(event_ts))
TBLPROPERTIES ('format-version' = '2')
"""


def ensure_bronze_table(spark, table=None):
    table = table or table_name(BRONZE_TABLE)
    spark.sql(BRONZE_DDL.format(table=table))
    return table


class CommittedOffsets:
    """The Kafka offsets bronze holds up to ({topic: {partition: next offset}}), read once from the
    newest snapshot that carries them (or, before any does, from the table's rows) and then kept in
    step with this run's commits: the streaming job is bronze's only writer."""

    def __init__(self, spark, table=None):
        self.table = table or table_name(BRONZE_TABLE)
        self.spark = spark
        self.offsets = None

    def load(self):
        if self.offsets is None:
            _, carried = newest_carrying(self.spark, self.table, KAFKA_OFFSETS_PROPERTY)
            if carried is not None:
                self.offsets = json.loads(carried)
            else:  # once, on a table older than the summary key
                rows = self.spark.sql(f"""SELECT kafka_topic, kafka_partition, max(kafka_offset) + 1 AS next
                                          FROM {self.table} GROUP BY kafka_topic, kafka_partition""").collect()
                self.offsets = {}
                for r in rows:
                    self.offsets.setdefault(r.kafka_topic, {})[str(r.kafka_partition)] = int(r.next)
        return self.offsets

    def all_new(self, ranges):
        """True when no record of `ranges` ([(topic, partition, first, last)]) can be in bronze."""
        held = self.load()
        return all(first >= held.get(t, {}).get(str(p), 0) for t, p, first, _ in ranges)

    def advanced(self, ranges):
        held = {t: dict(parts) for t, parts in self.load().items()}
        for t, p, _, last in ranges:
            parts = held.setdefault(t, {})
            parts[str(p)] = max(parts.get(str(p), 0), last + 1)
        return held


_TS_FORMAT = "yyyy-MM-dd HH:mm:ss.SSSSSS"


def _bounds(rows, good):
    """Per Kafka partition: good rows `n`, their source tables, event-time bounds (formatted by Spark
    in the session time zone, which is also how the TIMESTAMP literals are read back; the fixed-width
    text orders as the timestamps do) and first and last offsets, over the rows where `good` holds."""
    event_ts = F.col("event_ts") if "event_ts" in rows.columns else F.timestamp_millis(F.col("_env")["source"]["ts_ms"])
    table = F.col("source_table") if "source_table" in rows.columns else F.col("_source_table")
    offset = F.col("kafka_offset") if "kafka_offset" in rows.columns else F.col("offset")
    pick = lambda c: F.when(good, c)  # noqa: E731
    return [
        F.count(pick(F.lit(1))).alias("n"),
        F.collect_set(pick(table)).alias("tables"),
        F.date_format(F.min(pick(event_ts)), _TS_FORMAT).alias("lo"),
        F.date_format(F.max(pick(event_ts)), _TS_FORMAT).alias("hi"),
        F.min(pick(offset)).alias("first"),
        F.max(pick(offset)).alias("last"),
    ]


def write_bronze_batch(spark, good_df: DataFrame, table=None, committed=None, bounds=None) -> int:
    """Insert the batch's rows whose (kafka_topic, kafka_partition, kafka_offset) is not in bronze yet.

    committed: a CommittedOffsets. When given and the batch lies wholly past it, the batch is a plain
    append; otherwise (or without it) a MERGE with only WHEN NOT MATCHED INSERT, which Spark plans as
    an anti-join append, so bronze snapshots stay `append` either way (bronze_to_silver reads them
    incrementally). The literal bounds on source_table and event_ts prune the anti-join's scan to the
    partitions the batch can touch: a replayed record has the same source timestamp, so it would land
    in the same partition. Both paths commit the advanced offsets with the rows.
    No SQL text comes from record values: the table names are the catalog's (split_envelopes sends
    any other table to the DLQ) and the bounds are timestamps Spark formatted.
    bounds: the batch's per-partition bounds when the caller computed them with its own pass
    (ingest_batch does); otherwise one aggregation over the batch.
    Returns the number of rows offered (new or already present).
    """
    table = table or table_name(BRONZE_TABLE)
    batch = good_df.select(*BRONZE_COLUMNS)
    if bounds is None:
        bounds = batch.groupBy(F.col("kafka_topic").alias("topic"), F.col("kafka_partition").alias("partition")) \
            .agg(*_bounds(batch, F.lit(True))).collect()
    parts = [r for r in bounds if r.n > 0]
    n = sum(r.n for r in parts)
    if n == 0:
        return 0
    ranges = [(r.topic, r.partition, r["first"], r["last"]) for r in parts]
    lo = min((r.lo for r in parts if r.lo is not None), default="")
    hi = max((r.hi for r in parts if r.hi is not None), default="")
    batch_tables = {t for r in parts for t in r.tables}
    unknown = batch_tables - set(catalog.tables())
    if unknown or not (_TIMESTAMP.match(lo) and _TIMESTAMP.match(hi)):
        raise ValueError(f"bronze batch with tables outside the catalog or unformatted bounds: {sorted(unknown)}")
    properties = {} if committed is None else {KAFKA_OFFSETS_PROPERTY: json.dumps(committed.advanced(ranges))}
    if committed is not None and committed.all_new(ranges):
        writer = batch.writeTo(table).option(f"snapshot-property.{KAFKA_OFFSETS_PROPERTY}", properties[KAFKA_OFFSETS_PROPERTY])
        writer.append()
    else:
        # the batch's own session: inside foreachBatch it is a clone, and temp views are per session
        session = batch.sparkSession
        view = f"bronze_batch_{uuid.uuid4().hex}"
        batch.createOrReplaceTempView(view)
        tables = ", ".join(f"'{t}'" for t in catalog.tables() if t in batch_tables)
        try:
            with commit_properties(session, properties):
                session.sql(f"""
                    MERGE INTO {table} t
                    USING {view} s
                    ON t.kafka_topic = s.kafka_topic
                       AND t.kafka_partition = s.kafka_partition
                       AND t.kafka_offset = s.kafka_offset
                       AND t.source_table IN ({tables})
                       AND t.event_ts BETWEEN TIMESTAMP '{lo}' AND TIMESTAMP '{hi}'
                    WHEN NOT MATCHED THEN INSERT *
                """)
        finally:
            session.catalog.dropTempView(view)
    if committed is not None:
        committed.offsets = json.loads(properties[KAFKA_OFFSETS_PROPERTY])
    return n


def ingest_batch(spark, kafka_df: DataFrame, batch_id: int, root: str, job_run_id: str, table=None,
                 committed=None) -> dict:
    """One micro-batch of Kafka records: good ones into bronze, bad ones into the DLQ.

    Each envelope is parsed once: the staged records (parsed, checked, the raw bytes dropped) are
    cached, and the counts, the DLQ check, the batch's bounds and the write all read that cache.
    The DLQ file is written before the bronze commit: if the job dies in between, the replayed batch
    rewrites the same DLQ file and bronze skips what it already holds, so both stay exactly-once.
    """
    staged = stage_envelopes(kafka_df).persist()
    try:
        good, bad = split_envelopes(staged, job_run_id=job_run_id)
        # one pass over the cache: per Kafka partition the counts and the good rows' bounds
        good_row = ~F.col("_tombstone") & F.col("_error_class").isNull()
        bounds = staged.groupBy("topic", "partition").agg(
            F.count(F.lit(1)).alias("records"),
            F.count(F.when(~F.col("_tombstone") & F.col("_error_class").isNotNull(), 1)).alias("bad"),
            *_bounds(staged, good_row)).collect()
        result = {"rows_read": sum(r.records for r in bounds), "rows_written": 0, "dlq_count": 0, "dlq_files": []}
        if any(r.bad for r in bounds):
            # the fingerprint is the batch's offset ranges: the staged records keep every one
            files = write_dlq(bad, root, batch_id, batch_fingerprint(staged))
            result["dlq_count"], result["dlq_files"] = sum(files.values()), sorted(files)
        result["rows_written"] = write_bronze_batch(spark, good, table, committed, bounds)
        return result
    finally:
        staged.unpersist()
