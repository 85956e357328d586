"""Each rule type passes on clean data and fails, naming the offending keys, on data broken on purpose."""
import datetime
import decimal

import pytest

from cdc_lake.dq import checks

from .helpers import CLEAN_HISTORY, T0, versions

USERS = "id bigint, email string, country string, age int"


@pytest.fixture
def users(spark):
    return spark.createDataFrame([
        (1, "a@example.com", "IN", 30), (2, "b@example.org", "US", 41), (3, "c@example.net", "DE", 25),
    ], USERS)


@pytest.fixture
def broken_users(spark):
    return spark.createDataFrame([
        (1, "a@example.com", "IN", 30), (2, None, "XX", 200), (3, "not-an-email", "DE", -1), (4, "d@x.io", None, 22),
    ], USERS)


def test_row_count_within_bounds_passes_and_outside_fails(users):
    assert checks.row_count(users, min=1, max=3).passed
    out = checks.row_count(users, min=4)
    assert (out.passed, out.observed) == (False, 3)


def test_not_null_names_the_rows_with_nulls(users, broken_users):
    assert checks.not_null(users, ["email"], "id").passed
    out = checks.not_null(broken_users, ["email", "country"], "id")
    assert not out.passed
    assert out.observed == {"email": 1, "country": 1}
    assert out.sample_keys == [2, 4]


def test_not_null_tolerates_nulls_below_the_allowed_fraction(broken_users):
    assert checks.not_null(broken_users, ["email"], "id", max_null_fraction=0.25).passed
    assert not checks.not_null(broken_users, ["email"], "id", max_null_fraction=0.2).passed


def test_unique_fails_on_a_duplicate_current_row(spark, users):
    assert checks.unique(users, ["id"]).passed
    dup = users.unionByName(spark.createDataFrame([(2, "b2@example.org", "US", 41)], USERS))
    out = checks.unique(dup, ["id"])
    assert (out.passed, out.observed, out.sample_keys) == (False, 1, [2])


def test_accepted_values_names_rows_outside_the_list(users, broken_users):
    assert checks.accepted_values(users, "country", ["IN", "US", "DE"], "id").passed
    out = checks.accepted_values(broken_users, "country", ["IN", "US", "DE"], "id")
    assert (out.passed, out.sample_keys) == (False, [2])
    strict = checks.accepted_values(broken_users, "country", ["IN", "US", "DE"], "id", allow_null=False)
    assert strict.sample_keys == [2, 4]


def test_range_names_rows_below_and_above(users, broken_users):
    assert checks.value_range(users, "age", "id", min=0, max=150).passed
    out = checks.value_range(broken_users, "age", "id", min=0, max=150)
    assert (out.passed, out.observed, out.sample_keys) == (False, 2, [2, 3])


def test_regex_names_rows_that_do_not_match(users, broken_users):
    pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    assert checks.regex(users, "email", pattern, "id").passed
    out = checks.regex(broken_users, "email", pattern, "id")
    assert (out.passed, out.sample_keys) == (False, [3])


def test_freshness_fails_on_a_stale_table(spark):
    df = versions(spark, CLEAN_HISTORY)  # newest _valid_from: T0 + 7 min
    assert checks.freshness(df, "1h", now=T0 + datetime.timedelta(minutes=30)).passed
    out = checks.freshness(df, "1h", now=T0 + datetime.timedelta(hours=3))
    assert not out.passed
    assert out.observed["age_seconds"] == 3 * 3600 - 7 * 60


def test_freshness_fails_on_an_empty_table(spark):
    assert not checks.freshness(versions(spark, []), "1h", now=T0).passed


def test_referential_names_the_order_whose_user_is_missing(spark, users):
    orders = spark.createDataFrame([(100, 1), (101, 3), (102, 9), (103, None)], "id bigint, user_id bigint")
    out = checks.referential(orders, "user_id", users, "id", "id")
    assert (out.passed, out.observed, out.sample_keys) == (False, 1, [102])
    assert "[9]" in out.message
    assert checks.referential(orders.where("id != 102"), "user_id", users, "id", "id").passed


def test_scd2_passes_on_a_clean_history(spark):
    out = checks.scd2(versions(spark, CLEAN_HISTORY), "id")
    assert out.passed, out.message
    assert set(out.observed.values()) == {0}


@pytest.mark.parametrize("broken, problem", [
    ([(1, 10, 0, None, True, "c"), (1, 20, 5, None, True, "u")], "multiple_current"),      # duplicate current row
    ([(1, 10, 0, 8, False, "c"), (1, 20, 5, None, True, "u")], "overlap"),                 # window runs past the next
    ([(1, 10, 0, 3, False, "c"), (1, 20, 5, None, True, "u")], "gap"),                     # window stops early
    ([(1, 10, 0, 5, False, "c"), (1, 20, 5, None, False, "u")], "missing_current"),        # live key, no current row
    ([(1, 10, 0, 5, True, "c"), (1, 20, 5, None, False, "d")], "current_after_delete"),    # deleted key still current
])
def test_scd2_names_the_key_that_breaks_an_invariant(spark, broken, problem):
    out = checks.scd2(versions(spark, CLEAN_HISTORY[2:] + broken), "id")
    assert not out.passed
    assert out.sample_keys == [1]
    assert out.observed[problem] == 1, out.observed


SOURCE = "id bigint, full_name string, price decimal(12,2), updated_at timestamp"


def _rows(spark, rows):
    return spark.createDataFrame(rows, SOURCE)


CLEAN = [(1, "Ann", decimal.Decimal("9.99"), T0), (2, "Bob", decimal.Decimal("10.00"), T0), (3, None, None, T0)]


def test_compare_rows_passes_when_silver_equals_the_source(spark):
    out = checks.compare_rows(_rows(spark, CLEAN), _rows(spark, list(reversed(CLEAN))), "id", ["id", "full_name", "price", "updated_at"])
    assert out.passed, out.message
    assert out.observed["silver_rows"] == out.observed["source_rows"] == 3


def test_compare_rows_names_a_row_that_differs_by_one_column(spark):
    silver = [CLEAN[0], (2, "Bobby", decimal.Decimal("10.00"), T0), CLEAN[2]]
    out = checks.compare_rows(_rows(spark, silver), _rows(spark, CLEAN), "id", ["id", "full_name", "price", "updated_at"])
    assert (out.passed, out.sample_keys, out.observed["differing"]) == (False, [2], 1)


def test_compare_rows_names_missing_and_extra_keys(spark):
    silver = CLEAN[:2] + [(4, "Dan", None, T0)]
    out = checks.compare_rows(_rows(spark, silver), _rows(spark, CLEAN), "id", ["id", "full_name", "price", "updated_at"])
    assert not out.passed
    assert out.sample_keys == [3, 4]
    assert (out.observed["missing_in_silver"], out.observed["only_in_silver"]) == (1, 1)


def test_gold_consistency_compares_totals_within_tolerance(spark):
    gold = spark.createDataFrame([(1, decimal.Decimal("10.00")), (2, decimal.Decimal("5.50"))], "user_id bigint, monetary decimal(22,2)")
    orders = spark.createDataFrame([(decimal.Decimal("15.50"),)], "total_amount decimal(12,2)")
    assert checks.gold_consistency(gold, "sum(monetary)", orders, "sum(total_amount)").passed
    short = spark.createDataFrame([(decimal.Decimal("15.49"),)], "total_amount decimal(12,2)")
    out = checks.gold_consistency(gold, "sum(monetary)", short, "sum(total_amount)")
    assert (out.passed, out.observed, out.expected) == (False, 15.5, 15.49)
    assert checks.gold_consistency(gold, "sum(monetary)", short, "sum(total_amount)", tolerance=0.01).passed
