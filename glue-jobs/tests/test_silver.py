import pytest
from chispa import assert_df_equality

from cdc_lake import scd2, silver
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


def test_watermark_is_committed_in_the_same_snapshot_as_the_rows(bronze_users, kafka_df):
    spark = bronze_users
    result = silver.process_table(spark, "users")
    head = spark.sql(f"SELECT s.summary['{WATERMARK_PROPERTY}'] AS wm, s.summary['added-records'] AS added "
                     f"FROM {SILVER}.snapshots s JOIN {SILVER}.refs r ON r.snapshot_id = s.snapshot_id "
                     f"WHERE r.name = 'main'").first()
    assert head.wm is not None and int(head.added) == 2
    # nothing of the run stays in Spark's cache: a cached plan outliving it was refreshed by later
    # commits, and failed once a bronze snapshot it read had expired
    assert spark._jsparkSession.sharedState().cacheManager().isEmpty()
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


def test_a_change_that_does_not_fit_the_silver_types_stops_the_run_with_one_line(bronze_users, kafka_df):
    spark = bronze_users
    silver.process_table(spark, "users")
    watermark = read_watermark(spark, SILVER)
    append_bronze(spark, kafka_df, [("u", user(2, "b2@x.io", updated="not a time"), 30, 5)])
    with pytest.raises(silver.UncastableChangeError) as err:
        silver.process_table(spark, "users")
    message = str(err.value)
    assert "\n" not in message
    assert "silver_users" in message and "LSN 30" in message and "offset 5" in message and "id 2" in message
    assert "updated_at (timestamp)" in message
    assert read_watermark(spark, SILVER) == watermark


def test_crash_before_staging_loses_nothing(bronze_users, monkeypatch):
    spark = bronze_users

    def crash(*_args, **_kwargs):
        raise RuntimeError("killed before commit")
    with monkeypatch.context() as m:
        m.setattr(silver, "stage_history", crash)
        with pytest.raises(RuntimeError):
            silver.process_table(spark, "users")
    assert read_watermark(spark, SILVER) is None
    result = silver.process_table(spark, "users")
    assert result["rows_read"] == 2
    assert history(spark.table(SILVER)) == [(1, 10, "c", True), (2, 11, "c", True)]


def test_failure_after_the_commit_does_not_repeat_the_batch(bronze_users, monkeypatch):
    spark = bronze_users
    real_publish = silver.publish

    def commit_then_die(*args, **kwargs):
        real_publish(*args, **kwargs)
        raise RuntimeError("killed after commit")
    with monkeypatch.context() as m:
        m.setattr(silver, "publish", commit_then_die)
        with pytest.raises(RuntimeError):
            silver.process_table(spark, "users")
    committed = silver_snapshots(spark)
    assert read_watermark(spark, SILVER) == silver.bronze_head(spark)
    result = silver.process_table(spark, "users")
    assert result["rows_read"] == 0
    assert silver_snapshots(spark) == committed
    assert history(spark.table(SILVER)) == [(1, 10, "c", True), (2, 11, "c", True)]


def silver_refs(spark):
    return sorted(r.name for r in spark.sql(f"SELECT name FROM {SILVER}.refs").collect())


def test_a_crash_before_publishing_leaves_main_as_it_was(bronze_users, kafka_df, monkeypatch):
    spark = bronze_users
    silver.process_table(spark, "users")
    before, watermark = silver_rows(spark), read_watermark(spark, SILVER)
    append_bronze(spark, kafka_df, [("u", user(1, "a2@x.io"), 20, 3)])

    def crash(*_args, **_kwargs):
        raise RuntimeError("killed before publishing")
    with monkeypatch.context() as m:
        m.setattr(silver, "publish", crash)
        with pytest.raises(RuntimeError):
            silver.process_table(spark, "users")
    # both staged commits (the closed window, the new version) exist on the branch only
    assert silver_refs(spark) == ["cdc_staging", "main"]
    assert_df_equality(silver_rows(spark), before, ignore_row_order=True)
    assert read_watermark(spark, SILVER) == watermark
    silver.process_table(spark, "users")
    assert history(spark.table(SILVER), "email") == [
        (1, 10, "c", False, "a@x.io"), (1, 20, "u", True, "a2@x.io"), (2, 11, "c", True, "b@x.io")]
    assert silver_refs(spark) == ["main"]


def test_a_write_to_main_while_a_run_stages_fails_the_run_and_publishes_nothing(bronze_users, kafka_df, monkeypatch):
    spark = bronze_users
    silver.process_table(spark, "users")
    append_bronze(spark, kafka_df, [("u", user(1, "a2@x.io"), 20, 3)])
    real_publish = silver.publish

    def another_writer_first(spark_, target):  # compaction commits to main between staging and publishing
        spark_.sql(f"CALL lake.system.rewrite_data_files(table => 'cdc.silver_users', "
                   f"options => map('rewrite-all', 'true'))")
        real_publish(spark_, target)
    before, watermark = silver_rows(spark), read_watermark(spark, SILVER)
    with monkeypatch.context() as m:
        m.setattr(silver, "publish", another_writer_first)
        with pytest.raises(Exception, match="not an ancestor"):
            silver.process_table(spark, "users")
    assert_df_equality(silver_rows(spark), before, ignore_row_order=True)
    assert read_watermark(spark, SILVER) == watermark
    silver.process_table(spark, "users")
    assert history(spark.table(SILVER), "email") == [
        (1, 10, "c", False, "a@x.io"), (1, 20, "u", True, "a2@x.io"), (2, 11, "c", True, "b@x.io")]


def test_applying_the_same_bronze_again_changes_nothing(bronze_users, kafka_df):
    spark = bronze_users
    append_bronze(spark, kafka_df, [("u", user(1, "a2@x.io"), 20, 3), ("d", user(2, "b@x.io"), 21, 4)])
    silver.process_table(spark, "users")
    before = silver_rows(spark)
    # the watermark lost: the whole of bronze again, through the real stage and publish
    everything = silver.read_bronze(spark, "users", None, silver.bronze_head(spark))
    changes = order_changes(decode_rows(everything, "users"), "users")
    rows = build_scd2_history(changes, spark.table(SILVER), "users")
    assert rows.count() == 0
    silver.stage_history(spark, SILVER, rows, "id", '{"bronze_snapshot_id": 0}', target_filter=None)
    silver.publish(spark, SILVER)
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


def test_a_toasted_change_takes_the_stored_value_and_a_batch_without_one_skips_the_carry(bronze_users, kafka_df, monkeypatch):
    spark = bronze_users
    silver.process_table(spark, "users")
    carried = []
    real = scd2.carry_toast_forward
    monkeypatch.setattr(scd2, "carry_toast_forward", lambda df, table: carried.append(table) or real(df, table))
    append_bronze(spark, kafka_df, [("u", user(2, "b2@x.io"), 20, 3)])
    silver.process_table(spark, "users")
    assert carried == []
    # Debezium's placeholder for an unchanged TOAST value: the value comes from the version in silver
    append_bronze(spark, kafka_df, [("u", user(1, "a2@x.io", full_name=scd2.TOAST_PLACEHOLDER), 30, 4)])
    silver.process_table(spark, "users")
    assert len(carried) == 1
    current = spark.table(SILVER).where("_is_current").orderBy("id").collect()
    assert [(r.id, r.email, r.full_name) for r in current] == [(1, "a2@x.io", "User 1"), (2, "b2@x.io", "User 2")]


def test_missing_bronze_table_is_reported_clearly(lake):
    with pytest.raises(silver.MissingTableError, match="run kafka_to_bronze first"):
        silver.process_table(lake, "users")


# --- the changed keys' predicate (read pruning) -------------------------------------------------------


def test_the_key_range_covers_the_changed_keys_and_only_integers_get_one(spark):
    ids = spark.range(1_000)
    predicate = silver.key_range("id", 3, 7)
    assert sorted(r.id for r in ids.where(predicate).collect()) == [3, 4, 5, 6, 7]
    assert silver.key_range("id", None, None) is None  # no keys
    assert silver.key_range("id", "a", "b") is None  # not an integer key: no predicate at all


def test_silver_tables_new_and_existing_are_sorted_on_the_key(lake):
    def sort_order():
        return {r.key: r.value for r in lake.sql(f"SHOW TBLPROPERTIES {SILVER}").collect()}.get("sort-order")
    silver.ensure_silver_table(lake, "users")
    assert sort_order().startswith("id ")
    lake.sql(f"DROP TABLE {SILVER} PURGE")
    lake.sql(f"CREATE TABLE {SILVER} (id bigint, email string) USING iceberg")  # as before the change
    assert sort_order() is None
    silver.ensure_silver_table(lake, "users")
    assert sort_order().startswith("id ")
    commits = lake.sql(f"SELECT count(*) AS n FROM {SILVER}.metadata_log_entries").first().n
    silver.ensure_silver_table(lake, "users")  # already sorted: no further metadata commit
    assert lake.sql(f"SELECT count(*) AS n FROM {SILVER}.metadata_log_entries").first().n == commits


def test_pruned_reads_keep_every_scd2_invariant(bronze_users, kafka_df):
    """Keys far apart, several runs: only the changed keys' histories move, and a version outside
    the changed keys but inside their range (key 500 in the second run) is neither read into the
    history nor deleted."""
    spark = bronze_users
    append_bronze(spark, kafka_df, [("c", user(1_000_000, "m@x.io"), 12, 5), ("c", user(500, "h@x.io"), 13, 6)])
    silver.process_table(spark, "users")
    append_bronze(spark, kafka_df, [("u", user(2, "b2@x.io"), 20, 7), ("d", user(1_000_000, "m@x.io"), 21, 8),
                                    ("u", user(2, "b3@x.io"), 22, 9)])
    silver.process_table(spark, "users")
    # a redelivery of the same events and a late event on a key with older history
    append_bronze(spark, kafka_df, [("u", user(2, "b3@x.io"), 22, 10), ("u", user(500, "h0@x.io"), 11, 11)])
    result = silver.process_table(spark, "users")
    assert result["rows_read"] == 2
    assert history(spark.table(SILVER), "email") == [
        (1, 10, "c", True, "a@x.io"),
        (2, 11, "c", False, "b@x.io"), (2, 20, "u", False, "b2@x.io"), (2, 22, "u", True, "b3@x.io"),
        (500, 11, "u", False, "h0@x.io"), (500, 13, "c", True, "h@x.io"),
        (1_000_000, 12, "c", False, "m@x.io"), (1_000_000, 21, "d", False, "m@x.io")]
    rows = spark.table(SILVER).orderBy("id", "_source_lsn").collect()
    for a, b in zip(rows, rows[1:]):
        if a.id == b.id:  # windows neither overlap nor leave gaps
            assert a._valid_to == b._valid_from
    assert [r._valid_to for r in rows if r._is_current] == [None, None, None]
