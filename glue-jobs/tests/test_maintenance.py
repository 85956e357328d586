"""Lake maintenance on real Iceberg tables: compaction folds merge-on-read deletes away without changing
what readers see, runs only when due, and expiry never takes a snapshot a watermark still needs."""
from chispa import assert_df_equality

from cdc_lake import maintenance, silver
from cdc_lake.bronze import ensure_bronze_table
from cdc_lake.watermark import read_watermark
from scd2_helpers import history, user
from test_silver import SILVER, append_bronze

BRONZE = "lake.cdc.bronze_cdc_events"
# expire everything the watermarks allow, at once
EAGER = {"retain_days": 0, "retain_last": 1}


def silver_with_deletes(spark, kafka_df, runs=3):
    """bronze + silver_users after `runs` bronze_to_silver runs that each close current rows."""
    ensure_bronze_table(spark)
    append_bronze(spark, kafka_df, [("c", user(i, f"u{i}@x.io"), 10 + i, i) for i in range(1, 6)])
    silver.process_table(spark, "users")
    for run in range(1, runs):
        lsn = 100 * run
        append_bronze(spark, kafka_df, [("u", user(i, f"u{i}-{run}@x.io"), lsn + i, lsn + i) for i in (1, 2)])
        silver.process_table(spark, "users")
    return spark


def by_table(results):
    return {r["table"]: r for r in results}


def bronze_snapshot_ids(spark):
    return {r.snapshot_id for r in spark.sql(f"SELECT snapshot_id FROM {BRONZE}.snapshots").collect()}


def test_compaction_folds_the_deletes_away_and_readers_see_the_same_rows(lake, kafka_df):
    spark = silver_with_deletes(lake, kafka_df)
    before_rows = spark.table(SILVER).localCheckpoint()
    before = maintenance.file_stats(spark, SILVER)
    assert before["delete_files"] == 2 and before["data_files"] == 3 and before["sorted"]

    result = by_table(maintenance.run(spark, min_delete_files=1, **EAGER))["silver_users"]
    assert result["compacted"]
    assert result["rewritten_data_files"] == 3 and result["added_data_files"] == 1
    assert result["after"]["delete_files"] == 0 and result["after"]["data_files"] == 1
    assert_df_equality(spark.table(SILVER).localCheckpoint(), before_rows, ignore_row_order=True)
    # the watermark's snapshot still holds the old files; the next run's watermark releases them
    assert result["deleted_files"] == 0

    append_bronze(spark, kafka_df, [("u", user(1, "u1-4@x.io"), 400, 400)])
    silver.process_table(spark, "users")
    released = by_table(maintenance.run(spark, min_delete_files=99, **EAGER))["silver_users"]
    assert not released["compacted"]
    assert released["deleted_files"] == 5  # the 3 data and 2 delete files compaction replaced


def test_nothing_is_compacted_before_it_is_due(lake, kafka_df):
    spark = silver_with_deletes(lake, kafka_df)
    before = maintenance.file_stats(spark, SILVER)
    result = by_table(maintenance.run(spark, min_delete_files=3, min_small_files=10))["silver_users"]
    assert not result["compacted"]
    assert result["after"] == before


def test_the_next_run_after_maintenance_stays_incremental(lake, kafka_df):
    spark = silver_with_deletes(lake, kafka_df)
    watermark = read_watermark(spark, SILVER)
    maintenance.run(spark, min_delete_files=1, min_small_files=2, **EAGER)
    # compaction's commit carries no watermark: the run walks back to the one that does
    assert read_watermark(spark, SILVER) == watermark

    append_bronze(spark, kafka_df, [("u", user(3, "u3-new@x.io"), 900, 900)])
    result = silver.process_table(spark, "users")
    assert result["rows_read"] == 1
    assert [h for h in history(spark.table(SILVER), "email") if h[0] == 3] == [
        (3, 13, "c", False, "u3@x.io"), (3, 900, "u", True, "u3-new@x.io")]


def test_bronze_expiry_keeps_the_snapshot_a_silver_watermark_names(lake, kafka_df):
    spark = silver_with_deletes(lake, kafka_df)
    consumed = read_watermark(spark, SILVER)
    # bronze moves on while silver has not run yet
    append_bronze(spark, kafka_df, [("u", user(4, "u4-late@x.io"), 800, 800)])
    append_bronze(spark, kafka_df, [("u", user(5, "u5-late@x.io"), 801, 801)])
    older = bronze_snapshot_ids(spark)

    result = by_table(maintenance.run(spark, **EAGER))["bronze_cdc_events"]
    kept = bronze_snapshot_ids(spark)
    assert consumed in kept
    assert kept < older  # the snapshots before it went
    assert not result["compacted"]
    assert silver.process_table(spark, "users")["rows_read"] == 2
