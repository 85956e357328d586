"""Debezium envelopes from Kafka records -> bronze rows, and the records that cannot be parsed.

Input is a DataFrame shaped like Spark's Kafka source (key/value binary, topic, partition, offset,
timestamp, headers). Debezium JSON with schemas disabled; `before`/`after` stay JSON text in bronze.
"""
from pyspark.sql import Column, DataFrame, functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType

from . import catalog

VALID_OPS = ("c", "u", "d", "r")
HEADER_ORIGIN_TOPIC = "cdc.origin.topic"
HEADER_ORIGIN_PARTITION = "cdc.origin.partition"
HEADER_ORIGIN_OFFSET = "cdc.origin.offset"
HEADER_REPLAY_COUNT = "cdc.replay.count"

_CORRUPT = "_corrupt_record"
# before/after as strings: Spark's JSON reader keeps a nested object's raw JSON text for a string field.
ENVELOPE_SCHEMA = StructType([
    StructField("before", StringType()),
    StructField("after", StringType()),
    StructField("source", StructType([
        StructField("lsn", LongType()),
        StructField("sequence", StringType()),
        StructField("txId", LongType()),
        StructField("ts_ms", LongType()),
        StructField("snapshot", StringType()),
        StructField("table", StringType()),
    ])),
    StructField("op", StringType()),
    StructField("ts_ms", LongType()),
    StructField(_CORRUPT, StringType()),
])

BRONZE_COLUMNS = [
    "source_table", "operation", "key", "before", "after", "source_lsn", "source_tx_id",
    "source_ts_ms", "ts_ms", "event_ts", "event_date", "kafka_topic", "kafka_partition",
    "kafka_offset", "ingested_at", "replay_count", "origin_topic", "origin_partition", "origin_offset",
]
DLQ_COLUMNS = [
    "topic", "partition", "offset", "kafka_timestamp", "key", "key_encoding", "value", "encoding",
    "error_class", "error", "failed_at", "job_run_id", "replay_count",
    "origin_topic", "origin_partition", "origin_offset",
]


def _is_utf8(binary: Column) -> Column:
    # CAST(binary AS STRING) keeps the bytes as they are, and is_valid_utf8 checks them. (decode() no
    # longer serves: since Spark 4.0 it raises MALFORMED_CHARACTER_CODING on invalid input, which
    # would fail the whole batch instead of dead-lettering one record.)
    return F.is_valid_utf8(binary.cast("string"))


def _text_or_base64(binary: Column):
    utf8 = _is_utf8(binary)
    text = F.when(utf8, binary.cast("string")).otherwise(F.base64(binary))
    encoding = F.when(binary.isNull(), F.lit(None)).when(utf8, "utf8").otherwise("base64")
    return text, encoding


def _header(name: str) -> Column:
    return F.expr(f"CAST(get(filter(headers, h -> h.key = '{name}'), 0).value AS STRING)")


def _header_number(name: str, sql_type: str) -> Column:
    """A replay header as a number; null when absent or not a number. try_cast, since under ANSI mode
    a plain cast of a garbled header would fail the batch: the headers only annotate a replayed
    record (its original position), the record itself is still good."""
    return _header(name).try_cast(sql_type)


def _source_table(env: Column) -> Column:
    """The record's source table: source.table, else the topic's last segment."""
    return F.coalesce(env["source"]["table"], F.element_at(F.split(F.col("topic"), r"\."), -1))


def _source_lsn(env: Column) -> Column:
    """source.lsn; an incremental snapshot's read (op r, `connector snapshot`) carries none, but its
    source.sequence ([last commit LSN, LSN]) names the WAL position where its chunk was read, which
    places it among the key's changes."""
    sequence = F.from_json(env["source"]["sequence"], "array<string>")
    return F.coalesce(env["source"]["lsn"], F.element_at(sequence, -1).try_cast("long"))


def _error_of(env: Column, utf8: Column, value_text: Column):
    """(error_class, error) of the first rule a record breaks, nulls for a good record."""
    op = env["op"]
    table = _source_table(env)
    rules = [
        (~utf8, "INVALID_ENCODING", F.lit("value is not valid UTF-8")),
        # only a record from_json could not read is parsed again, to tell bad JSON from a bad shape
        ((env.isNull() | env[_CORRUPT].isNotNull()) & F.get_json_object(value_text, "$").isNull(),
         "MALFORMED_JSON", F.lit("value is not valid JSON")),
        (env.isNull() | env[_CORRUPT].isNotNull(), "INVALID_ENVELOPE",
         F.lit("value is JSON but not a Debezium envelope (wrong shape or field types)")),
        (op.isNull(), "MISSING_FIELD", F.lit("missing field: op")),
        (~op.isin(*VALID_OPS), "UNKNOWN_OP", F.concat(F.lit("unknown op: "), op)),
        # only the catalog's tables reach bronze: a table name is data, never trusted as a name
        (~table.isin(*catalog.tables()), "UNKNOWN_TABLE",
         F.concat(F.lit("source table "), table, F.lit(" is not in the pipeline catalog"))),
        (_source_lsn(env).isNull(), "MISSING_FIELD", F.lit("missing field: source.lsn")),
        (env["source"]["ts_ms"].isNull(), "MISSING_FIELD", F.lit("missing field: source.ts_ms")),
        ((op != "d") & (env["after"].isNull() | (env["after"] == "null")), "MISSING_FIELD",
         F.concat(F.lit("missing field: after (required for op="), op, F.lit(")"))),
        ((op == "d") & (env["before"].isNull() | (env["before"] == "null")), "MISSING_FIELD",
         F.lit("missing field: before (required for op=d)")),
    ]
    error_class, error = F.lit(None).cast("string"), F.lit(None).cast("string")
    for cond, cls, msg in reversed(rules):
        error_class = F.when(cond, F.lit(cls)).otherwise(error_class)
        error = F.when(cond, msg).otherwise(error)
    return error_class, error


def stage_envelopes(kafka_df: DataFrame) -> DataFrame:
    """Every Kafka record (tombstones flagged in `_tombstone`) with its envelope parsed once and the
    first rule it breaks (`_error_class`, `_error`); the raw key, value and headers are dropped, and
    the value's text (`_value_text`) is kept for the records that break a rule (the DLQ's) only.

    Cache this before splitting it (split_envelopes): filters on the error class would otherwise be
    pushed below the projection and parse each envelope again for every rule they reference.
    """
    value_text, encoding = _text_or_base64(F.col("value"))
    key_text, key_encoding = _text_or_base64(F.col("key"))
    utf8 = _is_utf8(F.col("value"))
    staged = (
        kafka_df.withColumn("_tombstone", F.col("value").isNull())
        .withColumn("_value_text", value_text)
        .withColumn("_encoding", encoding)
        .withColumn("_key_text", key_text)
        .withColumn("_key_encoding", key_encoding)
        .withColumn("_env", F.from_json(
            F.when(utf8, F.col("_value_text")), ENVELOPE_SCHEMA,
            {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": _CORRUPT}))
    )
    error_class, error = _error_of(F.col("_env"), utf8, F.col("_value_text"))
    replay_count = F.coalesce(_header_number(HEADER_REPLAY_COUNT, "int"), F.lit(0))
    return (
        staged.withColumn("_error_class", error_class)
        .withColumn("_error", error)
        # the raw text is for the DLQ only: a good record's envelope is in _env, and the batch's cache
        # would otherwise hold it twice (600k records: about 10 % faster, and one batch fits the heap)
        .withColumn("_value_text", F.when(F.col("_error_class").isNotNull(), F.col("_value_text")))
        .withColumn("replay_count", replay_count)
        .withColumn("origin_topic", _header(HEADER_ORIGIN_TOPIC))
        .withColumn("origin_partition", _header_number(HEADER_ORIGIN_PARTITION, "int"))
        .withColumn("origin_offset", _header_number(HEADER_ORIGIN_OFFSET, "long"))
        .withColumn("_source_table", _source_table(F.col("_env")))
        .drop("key", "value", "headers")
    )


def split_envelopes(staged: DataFrame, job_run_id: str = None):
    """stage_envelopes' output -> (bronze rows, DLQ records). Tombstones are in neither."""
    env = F.col("_env")
    staged = staged.where(~F.col("_tombstone"))
    good = staged.where(F.col("_error_class").isNull()).select(
        F.col("_source_table").alias("source_table"),
        env["op"].alias("operation"),
        F.col("_key_text").alias("key"),
        F.when(env["before"] != "null", env["before"]).alias("before"),
        F.when(env["after"] != "null", env["after"]).alias("after"),
        _source_lsn(env).alias("source_lsn"),
        env["source"]["txId"].alias("source_tx_id"),
        env["source"]["ts_ms"].alias("source_ts_ms"),
        env["ts_ms"].alias("ts_ms"),
        F.timestamp_millis(env["source"]["ts_ms"]).alias("event_ts"),
        F.to_date(F.timestamp_millis(env["source"]["ts_ms"])).alias("event_date"),
        F.col("topic").alias("kafka_topic"),
        F.col("partition").alias("kafka_partition"),
        F.col("offset").alias("kafka_offset"),
        F.current_timestamp().alias("ingested_at"),
        "replay_count", "origin_topic", "origin_partition", "origin_offset",
    )
    bad = staged.where(F.col("_error_class").isNotNull()).select(
        "topic", "partition", "offset",
        F.col("timestamp").alias("kafka_timestamp"),
        F.col("_key_text").alias("key"),
        F.col("_key_encoding").alias("key_encoding"),
        F.col("_value_text").alias("value"),
        F.col("_encoding").alias("encoding"),
        F.col("_error_class").alias("error_class"),
        F.col("_error").alias("error"),
        F.date_format(F.current_timestamp(), "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").alias("failed_at"),
        F.lit(job_run_id).cast("string").alias("job_run_id"),
        "replay_count", "origin_topic", "origin_partition", "origin_offset",
    )
    return good, bad


def parse_envelopes(kafka_df: DataFrame, job_run_id: str = None):
    """Split Kafka records into (bronze rows, DLQ records). Tombstones (null value) are dropped."""
    return split_envelopes(stage_envelopes(kafka_df), job_run_id)
