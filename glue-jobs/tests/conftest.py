"""One local SparkSession for the whole suite, with an Iceberg Hadoop catalog in a temp directory."""
import datetime
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cdc_lake.session import build_session, warehouse_for  # noqa: E402

KAFKA_SCHEMA = (
    "key binary, value binary, topic string, partition int, offset long, timestamp timestamp, "
    "headers array<struct<key:string,value:binary>>"
)
BASE_TS = datetime.datetime(2026, 11, 25, 10, 0, 0)


@pytest.fixture(scope="session")
def storage_root(tmp_path_factory):
    return tmp_path_factory.mktemp("lake").as_uri()


@pytest.fixture(scope="session")
def spark(storage_root):
    session = build_session(
        "cdc_lake-tests", warehouse_for(storage_root), "local",
        extra_conf={
            "spark.sql.adaptive.enabled": "false",
            "spark.sql.shuffle.partitions": "1",
            # tiny frames: compiling whole-stage code costs more than it saves
            "spark.sql.codegen.wholeStage": "false",
            # short-lived JVM: the C1 compiler alone warms up faster than C1+C2
            "spark.driver.extraJavaOptions": "-Duser.timezone=UTC -XX:TieredStopAtLevel=1 -XX:+UseParallelGC",
        }, log_level="ERROR")
    yield session
    session.stop()


@pytest.fixture
def lake(spark):
    """An empty `lake.cdc` namespace for a test that writes tables; dropped again afterwards."""
    def drop_all():
        for row in spark.sql("SHOW TABLES IN lake.cdc").collect():
            spark.sql(f"DROP TABLE IF EXISTS lake.cdc.{row.tableName} PURGE")
    drop_all()
    # a job run in-process (test_jobs) applies its own builder settings to this shared session; the
    # tests that count the files a write makes need the session's own shuffle partitions back
    spark.conf.set("spark.sql.shuffle.partitions", "1")
    yield spark
    drop_all()


def envelope(table, op, before=None, after=None, lsn=None, ts_ms=1_764_064_800_000, tx_id=700, **extra):
    source = {"lsn": lsn, "txId": tx_id, "ts_ms": ts_ms, "snapshot": "false", "table": table,
              "db": "cdc_demo", "schema": "public"}
    value = {"before": before, "after": after, "source": source, "op": op, "ts_ms": ts_ms + 5}
    value.update(extra)
    return json.dumps(value)


def kafka_record(value, offset, topic="cdc.db.users", partition=0, key=None, headers=None, ts=BASE_TS):
    """A row shaped like Spark's Kafka source; `value` may be str, bytes or None (tombstone)."""
    raw = value.encode() if isinstance(value, str) else value
    hdrs = [(k, v.encode()) for k, v in (headers or {}).items()]
    return (key.encode() if key else None, raw, topic, partition, offset, ts, hdrs)


@pytest.fixture
def kafka_df(spark):
    def make(records):
        return spark.createDataFrame(records, KAFKA_SCHEMA)
    return make
