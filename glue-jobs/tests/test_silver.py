import pytest
from chispa import assert_df_equality

from cdc_lake import silver
from cdc_lake.bronze import ensure_bronze_table, write_bronze_batch
from cdc_lake.parsing import parse_envelopes
from cdc_lake.scd2 import build_scd2_history, decode_rows, order_changes
from cdc_lake.watermark import WATERMARK_PROPERTY, read_watermark
from conftest import envelope, kafka_record
from scd2_helpers import history, user

SILVER = "lake.cdc.silver_users"


def append_bronze(spark, kafka_df, events):
    """events: (op, row, lsn, offset). Each call is one bronze snapshot."""
    records = [kafka_record(envelope("users", op, before=row if op == "d" else None,
                                     after=None if op == "d" else row, lsn=lsn), offset)
               for op, row, lsn, offset in events]
    good, _ = parse_envelopes(kafka_df(records))
    write_bronze_batch(spark, good)


def silver_snapshots(spark):
    return spark.sql(f"SELECT snapshot_id, summary['{WATERMARK_PROPERTY}'] AS wm FROM {SILVER}.snapshots").collect()


def silver_rows(spark):
    return spark.table(SILVER).localCheckpoint()


@pytest.fixture
def bronze_users(lake, kafka_df):
    ensure_bronze_table(lake)
    append_bronze(lake, kafka_df, [("c", user(1, "a@x.io"), 10, 1), ("c", user(2, "b@x.io"), 11, 2)])
    return lake


def test_watermark_is_committed_in_the_same_snapshot_as_the_merge(bronze_users, kafka_df):
    spark = bronze_users
    result = silver.process_table(spark, "users")
    snaps = silver_snapshots(spark)
    assert len(snaps) == 1 and snaps[0].wm is not None
    assert read_watermark(spark, SILVER) == result["watermark"] == silver.bronze_head(spark)
    assert (result["rows_read"], result["rows_written"]) == (2, 2)


def test_incremental_run_reads_only_bronze_appended_after_the_watermark(bronze_users, kafka_df):
    spark = bronze_users
    silver.process_table(spark, "users")
    append_bronze(spark, kafka_df, [("u", user(1, "a2@x.io"), 20, 3), ("d", user(2, "b@x.io"), 21, 4)])
    result = silver.process_table(spark, "users")
    assert result["rows_read"] == 2
    assert history(spark.table(SILVER), "email") == [
        (1, 10, "c", False, "a@x.io"), (1, 20, "u", True, "a2@x.io"),
        (2, 11, "c", False, "b@x.io"), (2, 21, "d", False, "b@x.io")]


def test_run_without_new_bronze_commits_nothing(bronze_users):
    spark = bronze_users
    silver.process_table(spark, "users")
    before = silver_snapshots(spark)
    result = silver.process_table(spark, "users")
    assert result["rows_read"] == 0 and silver_snapshots(spark) == before


def test_crash_before_the_merge_commit_loses_nothing(bronze_users, monkeypatch):
    spark = bronze_users

    def crash(*_args, **_kwargs):
        raise RuntimeError("killed before commit")
    with monkeypatch.context() as m:
        m.setattr(silver, "merge_history", crash)
        with pytest.raises(RuntimeError):
            silver.process_table(spark, "users")
    assert read_watermark(spark, SILVER) is None
    result = silver.process_table(spark, "users")
    assert result["rows_read"] == 2
    assert history(spark.table(SILVER)) == [(1, 10, "c", True), (2, 11, "c", True)]


def test_failure_after_the_commit_does_not_repeat_the_batch(bronze_users, monkeypatch):
    spark = bronze_users
    real_merge = silver.merge_history

    def commit_then_die(*args, **kwargs):
        real_merge(*args, **kwargs)
        raise RuntimeError("killed after commit")
    with monkeypatch.context() as m:
        m.setattr(silver, "merge_history", commit_then_die)
        with pytest.raises(RuntimeError):
            silver.process_table(spark, "users")
    committed = silver_snapshots(spark)
    assert read_watermark(spark, SILVER) == silver.bronze_head(spark)
    result = silver.process_table(spark, "users")
    assert result["rows_read"] == 0
    assert silver_snapshots(spark) == committed
    assert history(spark.table(SILVER)) == [(1, 10, "c", True), (2, 11, "c", True)]


def test_merging_the_same_bronze_again_changes_nothing(bronze_users, kafka_df):
    spark = bronze_users
    append_bronze(spark, kafka_df, [("u", user(1, "a2@x.io"), 20, 3), ("d", user(2, "b@x.io"), 21, 4)])
    silver.process_table(spark, "users")
    before = silver_rows(spark)
    # the watermark lost: the whole of bronze again, through the real MERGE
    everything = silver.read_bronze(spark, "users", None, silver.bronze_head(spark))
    changes = order_changes(decode_rows(everything, "users"), "users")
    rows = build_scd2_history(changes, spark.table(SILVER), "users")
    assert rows.count() == 0
    silver.merge_history(spark, SILVER, rows, "id", '{"bronze_snapshot_id": 0}')
    assert_df_equality(silver_rows(spark), before, ignore_row_order=True)


def test_late_event_in_a_later_run_keeps_the_newer_current_row(bronze_users, kafka_df):
    spark = bronze_users
    append_bronze(spark, kafka_df, [("u", user(1, "c@x.io"), 30, 3)])
    silver.process_table(spark, "users")
    append_bronze(spark, kafka_df, [("u", user(1, "b@x.io"), 20, 9)])  # e.g. a DLQ replay, original LSN
    silver.process_table(spark, "users")
    current = spark.table(SILVER).where("id = 1 AND _is_current").collect()
    assert [(r.email, r._source_lsn) for r in current] == [("c@x.io", 30)]
    windows = [(r._source_lsn, r._valid_to is None)
               for r in spark.table(SILVER).where("id = 1").orderBy("_source_lsn").collect()]
    assert windows == [(10, False), (20, False), (30, True)]


def test_missing_bronze_table_is_reported_clearly(lake):
    with pytest.raises(silver.MissingTableError, match="run kafka_to_bronze first"):
        silver.process_table(lake, "users")
