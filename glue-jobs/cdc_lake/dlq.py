"""Dead-letter records as JSONL under {root}/dlq/bronze/dt=YYYY-MM-DD/.

The file name depends only on the micro-batch's identity (batch id and the Kafka offset range it
covered), not on the job run, so a batch replayed after a restart overwrites its own file instead of
adding a second copy. `dt` is the day of the Kafka record timestamp, also stable across replays.
"""
import hashlib
import json

from pyspark.sql import DataFrame, functions as F

_CHUNK_CHARS = 1 << 20


def dlq_dir(root: str) -> str:
    return f"{root.rstrip('/')}/dlq/bronze"


def batch_fingerprint(kafka_df: DataFrame) -> str:
    """Stable id of a micro-batch's input: its (topic, partition, first, last offset) ranges."""
    ranges = (
        kafka_df.groupBy("topic", "partition")
        .agg(F.min("offset").alias("lo"), F.max("offset").alias("hi"))
        .orderBy("topic", "partition")
        .collect()
    )
    text = ";".join(f"{r.topic}:{r.partition}:{r.lo}-{r.hi}" for r in ranges)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_dlq(bad_df: DataFrame, root: str, batch_id: int, fingerprint: str):
    """Write DLQ records (the bad frame of parse_envelopes), one file per day of Kafka timestamp.

    Returns {path: record count}. Records are streamed to the driver (a DLQ batch is small) and
    written through Hadoop's FileSystem so file://, s3:// (S3A on Glue 6.0, which dropped EMRFS) and
    s3a:// all work.
    """
    spark = bad_df.sparkSession
    jvm, conf = spark._jvm, spark._jsc.hadoopConfiguration()
    dated = bad_df.withColumn("_dt", F.date_format("kafka_timestamp", "yyyy-MM-dd")).withColumn(
        "kafka_timestamp", F.date_format("kafka_timestamp", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"))
    files = {}  # dt -> [path, output stream, pending lines, pending chars, count]
    try:
        for row in dated.orderBy("topic", "partition", "offset").toLocalIterator():
            record = row.asDict()
            dt = record.pop("_dt") or "unknown"
            if dt not in files:
                path = f"{dlq_dir(root)}/dt={dt}/batch-{batch_id:010d}-{fingerprint}.jsonl"
                hpath = jvm.org.apache.hadoop.fs.Path(path)
                files[dt] = [path, hpath.getFileSystem(conf).create(hpath, True), [], 0, 0]
            entry = files[dt]
            line = json.dumps(record, default=str, sort_keys=True) + "\n"
            entry[2].append(line)
            entry[3] += len(line)
            entry[4] += 1
            if entry[3] > _CHUNK_CHARS:
                _flush(entry)
        for entry in files.values():
            _flush(entry)
    finally:
        for entry in files.values():
            entry[1].close()
    return {entry[0]: entry[4] for entry in files.values()}


def _flush(entry):
    if entry[2]:
        entry[1].write(bytearray("".join(entry[2]).encode("utf-8")))
        entry[2], entry[3] = [], 0
