import datetime
import decimal

from chispa import assert_df_equality

from cdc_lake import scd2
from scd2_helpers import bronze, change, history, run_scd2, user


def ts(seconds_after_t0):
    return datetime.datetime(2025, 11, 25, 10, 0, 0) + datetime.timedelta(seconds=seconds_after_t0)


def test_changes_are_ordered_by_lsn_then_offset_never_by_ts_ms(spark):
    # LSN 30 carries an earlier ts_ms than LSN 20 and arrives at a lower offset: LSN still decides.
    _, silver = run_scd2(spark, [
        change("u", user(1, "c@x.io"), lsn=30, offset=1, ts_ms=1_000),
        change("c", user(1, "a@x.io"), lsn=10, offset=3),
        change("u", user(1, "b@x.io"), lsn=20, offset=2),
    ])
    assert [(r._source_lsn, r.email, r._is_current) for r in silver.orderBy("_source_lsn").collect()] == [
        (10, "a@x.io", False), (20, "b@x.io", False), (30, "c@x.io", True)]


def test_decode_types_decimal_strings_and_iso_timestamps_and_reads_only_a_deletes_key(spark):
    product = {"id": 7, "name": "Lamp", "category": "home", "price": "19.99", "status": "active",
               "description": "d", "created_at": "2026-11-25T10:00:00.123456Z", "updated_at": "2026-11-25T10:00:00Z"}
    # a delete under REPLICA IDENTITY DEFAULT, as Debezium sends it: the key, and each other NOT NULL
    # column at its type's zero
    zeroed = {"id": 7, "name": "", "category": None, "price": "0.00", "status": "active",
              "description": None, "created_at": "1970-01-01T00:00:00.000000Z", "updated_at": "1970-01-01T00:00:00.000000Z"}
    decoded = scd2.decode_rows(bronze(spark, [change("c", product, 5, 1, table="products"),
                                              change("d", zeroed, 6, 2, table="products")]), "products")
    created, deleted = decoded.orderBy("_source_lsn").collect()
    assert created.price == decimal.Decimal("19.99")
    assert created.created_at == datetime.datetime(2026, 11, 25, 10, 0, 0, 123456)
    assert (deleted.id, deleted.operation, deleted.name, deleted.price, deleted.created_at) == (7, "d", None, None, None)


def test_a_delete_closes_with_the_columns_of_the_version_it_deletes(spark):
    zeroed = dict(full_name=None, country=None, created_at="1970-01-01T00:00:00.000000Z",
                  updated_at="1970-01-01T00:00:00.000000Z")
    # the version deleted in a later run comes from silver, in the same batch from the batch
    _, silver = run_scd2(spark, [change("c", user(1, "a@x.io", full_name="Ann"), lsn=10, offset=1),
                                 change("c", user(2, "b@x.io"), lsn=11, offset=2),
                                 change("d", user(2, "", **zeroed), lsn=12, offset=3)])
    _, silver = run_scd2(spark, [change("d", user(1, "", **zeroed), lsn=20, offset=4),
                                 change("d", user(3, "", **zeroed), lsn=21, offset=5)], silver)
    deletes = silver.where("operation = 'd'").orderBy("id").collect()
    assert [(r.id, r.email, r.full_name, r.country, str(r.created_at)) for r in deletes] == [
        (1, "a@x.io", "Ann", "IN", "2026-11-25 09:00:00"),
        (2, "b@x.io", "User 2", "IN", "2026-11-25 09:00:00"),
        # a key silver never held: nothing to take its columns from, and none is made up
        (3, None, None, None, "None")]


def test_a_value_that_does_not_cast_is_named_not_silently_nulled(spark):
    # ANSI casts would fail the run without naming table or key; try_cast + _uncastable_cols name it
    changes = [change("c", user(1, "a@x.io", created_at="yesterday"), lsn=10, offset=1),
               change("c", user(2, "b@x.io"), lsn=11, offset=2)]
    rows = {r.id: r for r in scd2.decode_rows(bronze(spark, changes), "users").collect()}
    assert (rows[1].created_at, rows[1]._uncastable_cols) == (None, ["created_at"])
    assert rows[2]._uncastable_cols == [] and rows[2].created_at is not None


def test_duplicate_kafka_delivery_is_applied_once(spark):
    rows, silver = run_scd2(spark, [
        change("c", user(1, "a@x.io"), lsn=10, offset=1),
        change("c", user(1, "a@x.io"), lsn=10, offset=2),
    ])
    assert history(silver) == [(1, 10, "c", True)]


def test_several_updates_in_one_batch_yield_one_history_row_each_with_contiguous_windows(spark):
    _, silver = run_scd2(spark, [
        change("c", user(1, "a@x.io"), lsn=10, offset=1),
        change("u", user(1, "b@x.io"), lsn=20, offset=2),
        change("u", user(1, "c@x.io"), lsn=30, offset=3),
    ])
    actual = silver.select("id", "email", "_valid_from", "_valid_to", "_is_current", "operation", "_source_lsn")
    expected = spark.createDataFrame([
        (1, "a@x.io", ts(10), ts(20), False, "c", 10),
        (1, "b@x.io", ts(20), ts(30), False, "u", 20),
        (1, "c@x.io", ts(30), None, True, "u", 30),
    ], actual.schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_delete_then_reinsert_in_one_batch_closes_then_opens_a_version(spark):
    _, silver = run_scd2(spark, [
        change("c", user(1, "a@x.io"), lsn=10, offset=1),
        change("d", user(1, "a@x.io"), lsn=20, offset=2),
        change("c", user(1, "a@x.io"), lsn=30, offset=3),
    ])
    actual = silver.select("_source_lsn", "operation", "_valid_from", "_valid_to", "_is_current")
    expected = spark.createDataFrame([
        (10, "c", ts(10), ts(20), False),
        (20, "d", ts(20), ts(30), False),
        (30, "c", ts(30), None, True),
    ], actual.schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_a_deleted_key_has_no_current_row(spark):
    _, silver = run_scd2(spark, [change("c", user(1, "a@x.io"), lsn=10, offset=1)])
    _, silver = run_scd2(spark, [change("d", user(1, "a@x.io"), lsn=20, offset=2)], silver)
    assert history(silver) == [(1, 10, "c", False), (1, 20, "d", False)]


def test_no_op_update_changes_nothing(spark):
    _, silver = run_scd2(spark, [change("c", user(1, "a@x.io"), lsn=10, offset=1)])
    rows, after = run_scd2(spark, [change("u", user(1, "a@x.io"), lsn=20, offset=2)], silver)
    assert rows.count() == 0
    assert_df_equality(after, silver, ignore_row_order=True)


def test_rerun_over_the_same_input_changes_nothing(spark):
    batch = [change("c", user(1, "a@x.io"), lsn=10, offset=1),
             change("u", user(1, "b@x.io"), lsn=20, offset=2),
             change("d", user(1, "b@x.io"), lsn=30, offset=3)]
    _, silver = run_scd2(spark, batch)
    rows, again = run_scd2(spark, batch, silver)
    assert rows.count() == 0
    assert_df_equality(again, silver, ignore_row_order=True)


def test_late_event_does_not_overwrite_a_newer_current_row(spark):
    _, silver = run_scd2(spark, [change("c", user(1, "a@x.io"), lsn=10, offset=1),
                                 change("u", user(1, "c@x.io"), lsn=30, offset=2)])
    _, after = run_scd2(spark, [change("u", user(1, "b@x.io"), lsn=20, offset=9)], silver)
    current = after.where("_is_current").collect()
    assert [(r.email, r._source_lsn) for r in current] == [("c@x.io", 30)]
    # the late version lands in its place: windows stay contiguous
    actual = after.select("_source_lsn", "email", "_valid_from", "_valid_to")
    expected = spark.createDataFrame([
        (10, "a@x.io", ts(10), ts(20)), (20, "b@x.io", ts(20), ts(30)), (30, "c@x.io", ts(30), None),
    ], actual.schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_late_update_for_a_deleted_key_does_not_resurrect_it(spark):
    _, silver = run_scd2(spark, [change("c", user(1, "a@x.io"), lsn=10, offset=1),
                                 change("d", user(1, "a@x.io"), lsn=30, offset=2)])
    _, after = run_scd2(spark, [change("u", user(1, "b@x.io"), lsn=20, offset=9)], silver)
    assert after.where("_is_current").count() == 0


def test_toast_placeholder_carries_the_previous_value_forward(spark):
    toast = scd2.TOAST_PLACEHOLDER
    _, silver = run_scd2(spark, [change("c", user(1, "a@x.io", full_name="Ann"), lsn=10, offset=1)])
    _, after = run_scd2(spark, [
        change("u", user(1, "b@x.io", full_name=toast), lsn=20, offset=2),
        change("u", user(1, "c@x.io", full_name=toast), lsn=30, offset=3),
    ], silver)
    assert [(r._source_lsn, r.full_name, r.email) for r in after.orderBy("_source_lsn").collect()] == [
        (10, "Ann", "a@x.io"), (20, "Ann", "b@x.io"), (30, "Ann", "c@x.io")]


def test_toast_placeholder_keeps_a_real_null_previous_value(spark):
    _, silver = run_scd2(spark, [
        change("c", user(1, "a@x.io", full_name=None), lsn=10, offset=1),
        change("u", user(1, "b@x.io", full_name=scd2.TOAST_PLACEHOLDER), lsn=20, offset=2),
    ])
    assert [r.full_name for r in silver.collect()] == [None, None]


def test_derived_columns_follow_their_boundaries(spark):
    products = spark.createDataFrame(
        [(1, decimal.Decimal("49.99"), "active"), (2, decimal.Decimal("50.00"), "inactive"),
         (3, decimal.Decimal("199.99"), "discontinued"), (4, decimal.Decimal("200.00"), "active")],
        "id long, price decimal(12,2), status string")
    actual = scd2.derive_columns(products, "products").select("id", "price_category", "is_active")
    expected = spark.createDataFrame(
        [(1, "budget", True), (2, "standard", False), (3, "standard", False), (4, "premium", True)], actual.schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)

    orders = spark.createDataFrame([(1, decimal.Decimal("99.99")), (2, decimal.Decimal("100")),
                                    (3, decimal.Decimal("500"))], "id long, total_amount decimal(12,2)")
    cats = scd2.derive_columns(orders, "orders").orderBy("id").collect()
    assert [r.order_value_category for r in cats] == ["small", "medium", "large"]

    users = spark.createDataFrame([(1, "Ann@Example.COM"), (2, "no-at-sign")], "id long, email string")
    assert [r.email_domain for r in scd2.derive_columns(users, "users").orderBy("id").collect()] == [
        "example.com", None]
