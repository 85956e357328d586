import datetime
import decimal

from chispa import assert_df_equality

from cdc_lake import gold

D = decimal.Decimal
ORDERS_SCHEMA = "id long, user_id long, product_id long, quantity int, total_amount decimal(12,2), order_date timestamp"


def day(d, hour=12):
    return datetime.datetime(2026, 11, d, hour)


def users(spark, ids):
    return spark.createDataFrame([(i, f"u{i}@x.io", "IN") for i in ids], "id long, email string, country string")


def test_rfm_segment_first_match_wins_at_the_boundaries(spark):
    orders = spark.createDataFrame([
        (1, 1, 1, 1, D("1000.01"), day(1)),                                   # VIP
        (2, 2, 1, 1, D("1000.00"), day(2)),                                   # exactly 1000 -> Loyal
        (3, 3, 1, 1, D("500.00"), day(3)),                                    # exactly 500, 1 order -> New
        *[(10 + i, 4, 1, 1, D("10.00"), day(4)) for i in range(6)],           # 6 orders -> Frequent
        *[(20 + i, 5, 1, 1, D("10.00"), day(5)) for i in range(5)],           # exactly 5 orders -> New
        *[(30 + i, 6, 1, 1, D("200.00"), day(6)) for i in range(7)],          # 1400 and 7 orders -> VIP
    ], ORDERS_SCHEMA)
    actual = gold.rfm_segments(users(spark, range(1, 8)), orders, "2026-11-10").select(
        "user_id", "recency_days", "frequency", "monetary", "segment")
    expected = spark.createDataFrame([
        (1, 9, 1, D("1000.01"), "VIP"), (2, 8, 1, D("1000.00"), "Loyal"), (3, 7, 1, D("500.00"), "New"),
        (4, 6, 6, D("60.00"), "Frequent"), (5, 5, 5, D("50.00"), "New"), (6, 4, 7, D("1400.00"), "VIP"),
        (7, None, 0, D("0.00"), "New"),
    ], actual.schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_product_performance_sums_units_revenue_orders_and_tiers_by_revenue(spark):
    products = spark.createDataFrame([(1, "A", "x"), (2, "B", "x"), (3, "C", "y"), (4, "D", "y")],
                                     "id long, name string, category string")
    orders = spark.createDataFrame([
        (1, 1, 1, 2, D("600.00"), day(1)), (2, 2, 1, 3, D("400.00"), day(1)),   # 1000 -> top
        (3, 1, 2, 1, D("100.00"), day(1)),                                      # 100 -> mid
        (4, 1, 3, 1, D("99.99"), day(1)),                                       # low
    ], ORDERS_SCHEMA)
    actual = gold.product_performance(products, orders).select("product_id", "units", "revenue", "orders",
                                                               "performance_tier")
    expected = spark.createDataFrame([
        (1, 5, D("1000.00"), 2, "top"), (2, 1, D("100.00"), 1, "mid"), (3, 1, D("99.99"), 1, "low"),
        (4, 0, D("0.00"), 0, "low"),
    ], actual.schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_daily_sales_summary_per_order_day(spark):
    orders = spark.createDataFrame([
        (1, 1, 1, 1, D("10.00"), day(1, 0)), (2, 1, 1, 1, D("20.00"), day(1, 23)), (3, 2, 1, 1, D("15.00"), day(1)),
        (4, 2, 1, 1, D("100.00"), day(2)),
    ], ORDERS_SCHEMA)
    actual = gold.daily_sales(orders)
    expected = spark.createDataFrame([
        (datetime.date(2026, 11, 1), 3, D("45.00"), D("15.00"), 2),
        (datetime.date(2026, 11, 2), 1, D("100.00"), D("100.00"), 1),
    ], actual.schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_gold_uses_only_current_silver_rows(spark):
    silver_orders = spark.createDataFrame([
        (1, 1, 1, 1, D("900.00"), day(1), False),   # superseded version
        (1, 1, 1, 1, D("90.00"), day(1), True),
    ], ORDERS_SCHEMA + ", _is_current boolean")
    result = gold.rfm_segments(users(spark, [1]), gold.current_rows(silver_orders), "2026-11-02").first()
    assert (result.frequency, result.monetary, result.segment) == (1, D("90.00"), "New")


def test_gold_is_the_same_when_silver_gained_columns(spark):
    # schema evolution adds source columns to silver: the builders read only the columns they name
    orders = spark.createDataFrame([(1, 1, 1, 2, D("30.00"), day(1))], ORDERS_SCHEMA)
    products = spark.createDataFrame([(1, "A", "x")], "id long, name string, category string")
    wider_orders = orders.withColumn("level", gold.F.lit(7).cast("bigint"))
    wider_users = users(spark, [1]).withColumn("tier", gold.F.lit("gold"))
    wider_products = products.withColumn("weight", gold.F.lit(D("1.50")))
    for build, plain, wider in [
        (lambda u, o: gold.rfm_segments(u, o, "2026-11-10"), (users(spark, [1]), orders), (wider_users, wider_orders)),
        (gold.product_performance, (products, orders), (wider_products, wider_orders)),
        (gold.daily_sales, (orders,), (wider_orders,)),
    ]:
        assert_df_equality(build(*wider), build(*plain), ignore_row_order=True)
