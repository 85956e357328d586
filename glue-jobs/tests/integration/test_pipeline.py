"""End to end: changes in Postgres reach silver (SCD2) and gold through Debezium, Kafka and the three jobs.

One pipeline pass per module (kafka_to_bronze -> bronze_to_silver -> silver_to_gold, run by the CLI),
then each test checks one contract against Postgres, the source of truth.
"""
import datetime
import hashlib
import uuid
from decimal import Decimal

import pytest

from .conftest import (
    Changes, TABLES, assert_scd2_invariants, assert_silver_matches_postgres, compare_keyed, history, norm,
    run_job, spark_rows, topic_end_offsets, wait_for_kafka,
)

pytestmark = pytest.mark.integration

UTC = datetime.timezone.utc
# 19,200 hex digits, which pglz cannot shrink under the 2 KiB TOAST threshold: Postgres stores the value
# out of line, so an update that leaves it alone sends Debezium's placeholder (REPLICA IDENTITY DEFAULT)
DESCRIPTION = "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(300))


def ts(*args):
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture(scope="module")
def pipeline(pg, lake):
    tag = f"it{uuid.uuid4().hex[:10]}"
    baseline = topic_end_offsets()
    ch = Changes(pg)

    # users: one updated three times (separate transactions), one updated twice in one transaction,
    # one deleted; the e-mail domain is mixed case (silver lower-cases email_domain).
    vip = ch.insert("users", email=f"{tag}-vip@Example.COM", full_name="Vip v0", country="FR")
    freq = ch.insert("users", email=f"{tag}-freq@example.org", full_name="Frequent Buyer", country="DE")
    gone_user = ch.insert("users", email=f"{tag}-gone@example.net", full_name="Gone Soon", country="ES")
    vip_names = ["Vip v0", "Vip v1", "Vip v2", "Vip v3"]
    for name in vip_names[1:]:
        ch.update("users", vip, full_name=name, updated_at=datetime.datetime.now(UTC))
    with pg.transaction():
        ch.update("users", freq, country="AT")
        ch.update("users", freq, country="CH")

    # products: price changed twice, one discontinued plus a no-op update, one deleted.
    cheap = ch.insert("products", name=f"{tag} cheap", category="it-test", price=Decimal("19.99"), status="active")
    pricey = ch.insert("products", name=f"{tag} pricey", category="it-test", price=Decimal("250.00"),
                       status="active", description=DESCRIPTION)
    gone_product = ch.insert("products", name=f"{tag} gone", category="it-test", price=Decimal("5.00"))
    ch.update("products", cheap, price=Decimal("24.50"))
    ch.update("products", cheap, price=Decimal("49.99"))
    ch.update("products", pricey, status="discontinued")
    ch.update("products", pricey, name=f"{tag} pricey")  # no-op: same values, same hash
    ch.delete("products", gone_product)

    # orders: the VIP spends > 1000 across a UTC day boundary; the frequent buyer has 7 small orders,
    # one updated and one deleted (6 left: > 5 orders, monetary <= 500).
    o_vip = [
        ch.insert("orders", user_id=vip, product_id=pricey, quantity=3, total_amount=Decimal("750.00"),
                  status="paid", order_date=ts(2024, 2, 29, 23, 59, 59, 999999)),
        ch.insert("orders", user_id=vip, product_id=pricey, quantity=1, total_amount=Decimal("250.00"),
                  status="paid", order_date=ts(2024, 3, 1, 0, 0, 0, 1)),
        ch.insert("orders", user_id=vip, product_id=cheap, quantity=2, total_amount=Decimal("99.98"),
                  status="pending", order_date=ts(2024, 3, 1, 12, 30)),
    ]
    o_freq = [ch.insert("orders", user_id=freq, product_id=cheap, quantity=1, total_amount=Decimal("24.50"),
                        status="paid", order_date=ts(2024, 3, 1, 8, i)) for i in range(7)]
    ch.update("orders", o_vip[2], status="shipped", total_amount=Decimal("99.99"))
    ch.update("orders", o_freq[0], quantity=2, total_amount=Decimal("49.00"))
    ch.delete("orders", o_freq[6])
    ch.delete("users", gone_user)

    wait_for_kafka(baseline, ch.expected)
    results = {job: run_job(job) for job in ("kafka-to-bronze", "bronze-to-silver", "silver-to-gold")}
    return {
        "tag": tag, "results": results, "as_of": results["silver-to-gold"]["summary"]["as_of"],
        "users": {"vip": vip, "freq": freq}, "products": {"cheap": cheap, "pricey": pricey},
        "orders": {"vip": o_vip, "freq": o_freq},
        "deleted": {"users": [gone_user], "products": [gone_product], "orders": [o_freq[6]]},
        "vip_names": vip_names,
    }


@pytest.mark.parametrize("tbl", list(TABLES))
def test_silver_current_rows_equal_postgres(pipeline, lake, pg, tbl):
    assert_silver_matches_postgres(lake, pg, tbl)


@pytest.mark.parametrize("tbl", list(TABLES))
def test_silver_scd2_invariants(pipeline, lake, tbl):
    assert_scd2_invariants(lake, tbl)


def test_deleted_keys_have_no_current_row_but_keep_history(pipeline, lake):
    for tbl, ids in pipeline["deleted"].items():
        for key in ids:
            hist = history(lake, tbl, key)
            assert hist, f"silver_{tbl} has no history for deleted id {key}: its insert was never captured"
            current = [r for r in hist if r["_is_current"]]
            assert not current, f"silver_{tbl} id {key} was deleted in Postgres but has a current row: {current}"
            assert hist[-1]["operation"] == "d", \
                f"silver_{tbl} id {key}: last version should close the key with operation 'd', got {hist[-1]}"
            # the delete's before image holds the key only (REPLICA IDENTITY DEFAULT): silver closes
            # the key with the columns of the version it deleted
            columns = [c for c in hist[-1] if not c.startswith("_") and c != "operation"]
            assert [hist[-1][c] for c in columns] == [hist[-2][c] for c in columns], \
                f"silver_{tbl} id {key}: the delete's row should hold the deleted version's columns: {hist[-2:]}"


def test_every_update_is_one_history_row_in_source_order(pipeline, lake):
    vip = history(lake, "users", pipeline["users"]["vip"])
    assert [r["full_name"] for r in vip] == pipeline["vip_names"], vip
    assert [r["operation"] for r in vip] == ["c", "u", "u", "u"]

    # two updates of one key inside one transaction: two history rows, applied in LSN order
    freq = history(lake, "users", pipeline["users"]["freq"])
    assert [r["country"] for r in freq] == ["DE", "AT", "CH"], freq

    cheap = history(lake, "products", pipeline["products"]["cheap"])
    assert [r["price"] for r in cheap] == [Decimal("19.99"), Decimal("24.50"), Decimal("49.99")], cheap
    assert [r["price_category"] for r in cheap] == ["budget", "budget", "budget"]

    # the no-op update (same values) adds no version; the TOASTed description survives the update
    pricey = history(lake, "products", pipeline["products"]["pricey"])
    assert [(r["status"], r["is_active"]) for r in pricey] == [("active", True), ("discontinued", False)], pricey
    assert all(r["description"] == DESCRIPTION for r in pricey), "description lost on update"


def _gold(lake, name, columns):
    from .conftest import table

    types = dict((f.name, f.dataType.simpleString()) for f in lake.table(table(name)).schema.fields)
    assert set(columns) <= set(types), f"{name} lacks columns {set(columns) - set(types)}: has {sorted(types)}"
    return spark_rows(lake, name, columns, types)


def _pg(pg, sql, params=None):
    cur = pg.execute(sql, params or {})
    cols = [d.name for d in cur.description]
    return [{c: norm(v) for c, v in zip(cols, row)} for row in cur.fetchall()]


SEGMENT_SQL = """CASE WHEN monetary > 1000 THEN 'VIP' WHEN monetary > 500 THEN 'Loyal'
                      WHEN frequency > 5 THEN 'Frequent' ELSE 'New' END"""


def test_gold_user_analytics_equals_postgres(pipeline, lake, pg):
    expected = _pg(pg, f"""
        SELECT *, {SEGMENT_SQL} AS segment FROM (
          SELECT u.id AS user_id, u.email, u.country,
                 %(as_of)s::date - max((o.order_date AT TIME ZONE 'UTC')::date) AS recency_days,
                 count(o.id) AS frequency, coalesce(sum(o.total_amount), 0) AS monetary
          FROM public.users u LEFT JOIN public.orders o ON o.user_id = u.id
          GROUP BY u.id, u.email, u.country) x""", {"as_of": pipeline["as_of"]})
    actual = _gold(lake, "gold_user_analytics",
                   ["user_id", "email", "country", "recency_days", "frequency", "monetary", "segment"])
    compare_keyed(expected, actual, "user_id", "gold_user_analytics vs SQL on Postgres")
    segments = {r["user_id"]: r["segment"] for r in actual}
    assert segments[pipeline["users"]["vip"]] == "VIP"
    assert segments[pipeline["users"]["freq"]] == "Frequent"


def test_gold_product_analytics_equals_postgres(pipeline, lake, pg):
    expected = _pg(pg, """
        SELECT *, CASE WHEN revenue >= 1000 THEN 'top' WHEN revenue >= 100 THEN 'mid' ELSE 'low' END
                  AS performance_tier FROM (
          SELECT p.id AS product_id, p.name, p.category, coalesce(sum(o.quantity), 0) AS units,
                 coalesce(sum(o.total_amount), 0) AS revenue, count(o.id) AS orders
          FROM public.products p LEFT JOIN public.orders o ON o.product_id = p.id
          GROUP BY p.id, p.name, p.category) x""")
    actual = _gold(lake, "gold_product_analytics",
                   ["product_id", "name", "category", "units", "revenue", "orders", "performance_tier"])
    compare_keyed(expected, actual, "product_id", "gold_product_analytics vs SQL on Postgres")
    by_id = {r["product_id"]: r for r in actual}
    assert by_id[pipeline["products"]["pricey"]]["units"] == 4
    assert by_id[pipeline["products"]["pricey"]]["revenue"] == Decimal("1000.00")


def test_gold_sales_summary_equals_postgres(pipeline, lake, pg):
    expected = _pg(pg, """
        SELECT (order_date AT TIME ZONE 'UTC')::date AS order_day, count(*) AS orders,
               sum(total_amount) AS revenue, round(sum(total_amount) / count(*), 2) AS avg_order_value,
               count(DISTINCT user_id) AS distinct_customers
        FROM public.orders GROUP BY 1""")
    actual = _gold(lake, "gold_sales_summary",
                   ["order_day", "orders", "revenue", "avg_order_value", "distinct_customers"])
    compare_keyed(expected, actual, "order_day", "gold_sales_summary vs SQL on Postgres")
    days = {r["order_day"] for r in actual}
    assert {datetime.date(2024, 2, 29), datetime.date(2024, 3, 1)} <= days, "UTC day boundary not respected"


def test_lake_maintenance_compacts_without_changing_silver_or_its_watermark(pipeline, lake, pg):
    """Compaction and eager expiry on the real lake: silver still equals Postgres, and the next
    bronze_to_silver run finds its watermark (it reads nothing again)."""
    summary = run_job("lake-maintenance", "--arg", "min-delete-files=1", "--arg", "min-small-files=2",
                      "--arg", "retain-days=0", "--arg", "retain-last=1")["summary"]
    tables = {t["table"]: t for t in summary["tables"]}
    assert "silver_users" in summary["compacted"], summary
    for tbl in TABLES:
        after = tables[f"silver_{tbl}"]["after"]
        assert after["delete_files"] == 0, tables[f"silver_{tbl}"]
        assert_silver_matches_postgres(lake, pg, tbl)
    assert run_job("bronze-to-silver")["summary"]["rows_read"] == 0
