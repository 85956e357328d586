"""silver (_is_current rows) -> gold aggregates. Pure functions plus an atomic rebuild."""
from pyspark.sql import DataFrame, functions as F

from .session import table_name

VIP_MONETARY = 1000
LOYAL_MONETARY = 500
FREQUENT_ORDERS = 5
TOP_REVENUE = 1000
MID_REVENUE = 100


def current_rows(df: DataFrame) -> DataFrame:
    return df.where(F.col("_is_current"))


def rfm_segments(users_df: DataFrame, orders_df: DataFrame, as_of) -> DataFrame:
    """Recency (days since last order, as of `as_of` date), frequency, monetary and segment per user.

    Segment, first match wins: VIP (monetary > 1000), Loyal (> 500), Frequent (> 5 orders), New.
    """
    per_user = orders_df.groupBy(F.col("user_id")).agg(
        F.count(F.lit(1)).alias("frequency"),
        F.sum("total_amount").alias("monetary"),
        F.max("order_date").alias("_last_order"),
    )
    users = users_df.select(F.col("id").alias("user_id"), "email", "country")
    joined = users.join(per_user, "user_id", "left")
    monetary = F.coalesce(F.col("monetary"), F.lit(0).cast("decimal(22,2)"))
    frequency = F.coalesce(F.col("frequency"), F.lit(0).cast("long"))
    return joined.select(
        "user_id", "email", "country",
        F.datediff(F.lit(as_of).cast("date"), F.to_date("_last_order")).alias("recency_days"),
        frequency.alias("frequency"),
        monetary.alias("monetary"),
        F.when(monetary > VIP_MONETARY, "VIP")
        .when(monetary > LOYAL_MONETARY, "Loyal")
        .when(frequency > FREQUENT_ORDERS, "Frequent")
        .otherwise("New").alias("segment"),
    )


def product_performance(products_df: DataFrame, orders_df: DataFrame) -> DataFrame:
    """Units, revenue, orders per product and a tier: top (revenue >= 1000), mid (>= 100), low."""
    per_product = orders_df.groupBy("product_id").agg(
        F.sum("quantity").alias("units"),
        F.sum("total_amount").alias("revenue"),
        F.count(F.lit(1)).alias("orders"),
    )
    products = products_df.select(F.col("id").alias("product_id"), "name", "category")
    revenue = F.coalesce(F.col("revenue"), F.lit(0).cast("decimal(22,2)"))
    return products.join(per_product, "product_id", "left").select(
        "product_id", "name", "category",
        F.coalesce(F.col("units"), F.lit(0).cast("long")).alias("units"),
        revenue.alias("revenue"),
        F.coalesce(F.col("orders"), F.lit(0).cast("long")).alias("orders"),
        F.when(revenue >= TOP_REVENUE, "top").when(revenue >= MID_REVENUE, "mid").otherwise("low")
        .alias("performance_tier"),
    )


def daily_sales(orders_df: DataFrame) -> DataFrame:
    """Per day of order_date (UTC): orders, revenue, average order value, distinct customers."""
    return (
        orders_df.groupBy(F.to_date("order_date").alias("order_day"))
        .agg(
            F.count(F.lit(1)).alias("orders"),
            F.sum("total_amount").alias("revenue"),
            F.countDistinct("user_id").alias("distinct_customers"),
        )
        .select(
            "order_day", "orders", "revenue",
            F.round(F.col("revenue") / F.col("orders"), 2).cast("decimal(22,2)").alias("avg_order_value"),
            "distinct_customers",
        )
    )


def replace_table(df: DataFrame, name: str) -> int:
    """Rebuild a gold table in one Iceberg commit (createOrReplace): readers never see it half written."""
    df = df.persist()
    try:
        count = df.count()
        df.writeTo(table_name(name)).using("iceberg").tableProperty("format-version", "2").createOrReplace()
    finally:
        df.unpersist()
    return count
