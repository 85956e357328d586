"""The bronze table: create it, and append a micro-batch idempotently."""
import re
import uuid

from pyspark.sql import DataFrame, functions as F

from . import catalog
from .dlq import batch_fingerprint, write_dlq
from .parsing import BRONZE_COLUMNS, parse_envelopes
from .session import table_name

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


def write_bronze_batch(spark, good_df: DataFrame, table=None) -> int:
    """Insert the batch's rows whose (kafka_topic, kafka_partition, kafka_offset) is not in bronze yet.

    A MERGE with only WHEN NOT MATCHED INSERT is planned by Spark as an anti-join append, so bronze
    snapshots stay `append` (bronze_to_silver reads them incrementally). The literal bounds on
    source_table and event_ts prune the anti-join's scan to the partitions the batch can touch: a
    replayed record has the same source timestamp, so it would land in the same partition.
    No SQL text comes from record values: the table names are the catalog's (parse_envelopes sends
    any other table to the DLQ) and the bounds are timestamps Spark formatted.
    Returns the number of rows offered (new or already present).
    """
    table = table or table_name(BRONZE_TABLE)
    batch = good_df.select(*BRONZE_COLUMNS)
    bounds = batch.agg(
        F.count(F.lit(1)).alias("n"),
        F.collect_set("source_table").alias("tables"),
        # formatted in the session time zone, which is also how the TIMESTAMP literals are read back
        F.date_format(F.min("event_ts"), "yyyy-MM-dd HH:mm:ss.SSSSSS").alias("lo"),
        F.date_format(F.max("event_ts"), "yyyy-MM-dd HH:mm:ss.SSSSSS").alias("hi"),
    ).first()
    if bounds.n == 0:
        return 0
    # the batch's own session: inside foreachBatch it is a clone, and temp views are per session
    spark = batch.sparkSession
    view = f"bronze_batch_{uuid.uuid4().hex}"
    batch.createOrReplaceTempView(view)
    unknown = set(bounds.tables) - set(catalog.tables())
    if unknown or not (_TIMESTAMP.match(bounds.lo or "") and _TIMESTAMP.match(bounds.hi or "")):
        raise ValueError(f"bronze batch with tables outside the catalog or unformatted bounds: {sorted(unknown)}")
    tables = ", ".join(f"'{t}'" for t in catalog.tables() if t in bounds.tables)
    try:
        spark.sql(f"""
            MERGE INTO {table} t
            USING {view} s
            ON t.kafka_topic = s.kafka_topic
               AND t.kafka_partition = s.kafka_partition
               AND t.kafka_offset = s.kafka_offset
               AND t.source_table IN ({tables})
               AND t.event_ts BETWEEN TIMESTAMP '{bounds.lo}' AND TIMESTAMP '{bounds.hi}'
            WHEN NOT MATCHED THEN INSERT *
        """)
    finally:
        spark.catalog.dropTempView(view)
    return bounds.n


def ingest_batch(spark, kafka_df: DataFrame, batch_id: int, root: str, job_run_id: str, table=None) -> dict:
    """One micro-batch of Kafka records: good ones into bronze, bad ones into the DLQ.

    The DLQ file is written before the bronze commit: if the job dies in between, the replayed batch
    rewrites the same DLQ file and bronze skips what it already holds, so both stay exactly-once.
    """
    kafka_df = kafka_df.persist()
    try:
        good, bad = parse_envelopes(kafka_df, job_run_id=job_run_id)
        result = {"rows_read": kafka_df.count(), "rows_written": 0, "dlq_count": 0, "dlq_files": []}
        if not bad.isEmpty():
            files = write_dlq(bad, root, batch_id, batch_fingerprint(kafka_df))
            result["dlq_count"], result["dlq_files"] = sum(files.values()), sorted(files)
        result["rows_written"] = write_bronze_batch(spark, good, table)
        return result
    finally:
        kafka_df.unpersist()
