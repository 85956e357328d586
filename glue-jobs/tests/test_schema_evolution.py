"""Schema evolution on local Spark and Iceberg: silver follows the source's columns in the run that sees them."""
import dataclasses
import datetime
import json
from decimal import Decimal

import pytest

from cdc_lake import catalog, silver
from cdc_lake.bronze import ensure_bronze_table, ingest_batch, write_bronze_batch
from cdc_lake.entry import run
from cdc_lake.parsing import parse_envelopes
from cdc_lake.scd2 import decode_rows
from cdc_lake.watermark import read_watermark, read_watermark_state
from conftest import envelope, kafka_record
from scd2_helpers import bronze, change, history, user
from test_jobs import load_job

USERS, ORDERS = "lake.cdc.silver_users", "lake.cdc.silver_orders"
PG_USERS = {"id": "bigint", "email": "text", "full_name": "text", "country": "text",
            "created_at": "timestamp with time zone", "updated_at": "timestamp with time zone"}
PG_ORDERS = {"id": "bigint", "user_id": "bigint", "product_id": "bigint", "quantity": "integer",
             "total_amount": "numeric(12,2)", "status": "text", "order_date": "timestamp with time zone",
             "updated_at": "timestamp with time zone"}


class Source:
    """A stand-in for source_db.SourceSchema: the column types Postgres would report."""

    def __init__(self, **tables):
        self.tables = tables

    def columns(self, table):
        return self.tables[table], None

    def filled(self, table):
        return set()


def order(oid, quantity=1, amount="10.00", **extra):
    row = {"id": oid, "user_id": 1, "product_id": 1, "quantity": quantity, "total_amount": amount,
           "status": "paid", "order_date": "2026-11-25T10:00:00Z", "updated_at": "2026-11-25T10:00:00Z"}
    row.update(extra)
    return row


def append(spark, kafka_df, table, events):
    """events: (op, row, lsn, offset); one bronze snapshot."""
    records = [kafka_record(envelope(table, op, before=row if op == "d" else None,
                                     after=None if op == "d" else row, lsn=lsn), offset, topic=f"cdc.db.{table}")
               for op, row, lsn, offset in events]
    good, _ = parse_envelopes(kafka_df(records))
    write_bronze_batch(spark, good)


def columns(spark, name):
    return {f.name: f.dataType.simpleString() for f in spark.table(name).schema.fields}


def snapshots(spark, name):
    return [r.snapshot_id for r in spark.sql(f"SELECT snapshot_id FROM {name}.snapshots").collect()]


@pytest.fixture
def users_in_silver(lake, kafka_df):
    ensure_bronze_table(lake)
    append(lake, kafka_df, "users", [("c", user(1, "a@x.io"), 10, 1), ("c", user(2, "b@x.io"), 11, 2)])
    silver.process_table(lake, "users", source=Source(users=PG_USERS))
    return lake


def test_a_column_added_in_the_source_reaches_silver_in_the_run_that_first_sees_it(users_in_silver, kafka_df):
    spark = users_in_silver
    append(spark, kafka_df, "users", [("u", user(1, "a@x.io", tier="gold"), 20, 3)])
    result = silver.process_table(spark, "users", source=Source(users={**PG_USERS, "tier": "text"}), run_id="r-1")
    assert [c["column"] for c in result["schema_changes"] if c["action"] == "add"] == ["tier"]
    names = list(columns(spark, USERS))
    assert names.index("tier") == names.index("updated_at") + 1  # among the source columns, before derived ones
    assert history(spark.table(USERS), "tier") == [
        (1, 10, "c", False, None), (1, 20, "u", True, "gold"), (2, 11, "c", True, None)]
    doc = spark.sql(f"DESCRIBE TABLE {USERS}").where("col_name = 'tier'").first().comment
    assert doc == "added by schema evolution (Postgres text) in run r-1"
    fields = read_watermark_state(spark, USERS)["bronze_fields"]
    assert "tier" in fields and "email" in fields


def test_a_new_column_adds_no_version_until_a_change_gives_it_a_value(users_in_silver, kafka_df):
    spark = users_in_silver
    source = Source(users={**PG_USERS, "tier": "text"})
    append(spark, kafka_df, "users", [("u", user(2, "b@x.io", tier=None), 20, 3)])
    assert silver.process_table(spark, "users", source=source)["rows_written"] == 0
    append(spark, kafka_df, "users", [("u", user(2, "b@x.io", tier="silver"), 30, 4)])
    assert silver.process_table(spark, "users", source=source)["rows_written"] == 2  # the new version, the old closed
    assert history(spark.table(USERS), "tier")[-2:] == [(2, 11, "c", False, None), (2, 30, "u", True, "silver")]


def test_wider_source_types_widen_silver_and_keep_every_digit(lake, kafka_df):
    ensure_bronze_table(lake)
    append(lake, kafka_df, "orders", [("c", order(1, quantity=3, amount="10.50"), 10, 1)])
    silver.process_table(lake, "orders", source=Source(orders=PG_ORDERS))
    assert (columns(lake, ORDERS)["quantity"], columns(lake, ORDERS)["total_amount"]) == ("int", "decimal(12,2)")
    append(lake, kafka_df, "orders", [("u", order(1, quantity=5_000_000_000, amount="12345678901234.56"), 20, 2)])
    wide = {**PG_ORDERS, "quantity": "bigint", "total_amount": "numeric(16,2)"}
    result = silver.process_table(lake, "orders", source=Source(orders=wide))
    assert [(c["column"], c["action"]) for c in result["schema_changes"]] == [("quantity", "widen"), ("total_amount", "widen")]
    assert (columns(lake, ORDERS)["quantity"], columns(lake, ORDERS)["total_amount"]) == ("bigint", "decimal(16,2)")
    assert history(lake.table(ORDERS), "quantity", "total_amount") == [
        (1, 10, "c", False, 3, Decimal("10.50")), (1, 20, "u", True, 5_000_000_000, Decimal("12345678901234.56"))]


def test_a_dropped_column_stays_and_new_versions_carry_null_with_a_warning(users_in_silver, kafka_df):
    spark = users_in_silver
    row = user(1, "a2@x.io")
    del row["country"]
    append(spark, kafka_df, "users", [("u", row, 20, 3)])
    source = {c: t for c, t in PG_USERS.items() if c != "country"}
    result = silver.process_table(spark, "users", source=Source(users=source))
    assert "country" in columns(spark, USERS)
    assert history(spark.table(USERS), "country") == [
        (1, 10, "c", False, "IN"), (1, 20, "u", True, None), (2, 11, "c", True, "IN")]
    assert [w.split(":")[0] for w in result["warnings"]] == ["silver_users.country"]
    assert read_watermark_state(spark, USERS)["dropped_columns"] == ["country"]
    # the next run's change still carries null there, and the drop is not warned about again
    append(spark, kafka_df, "users", [("u", {**row, "email": "a3@x.io"}, 30, 4)])
    result = silver.process_table(spark, "users", source=Source(users=source))
    assert result["warnings"] == [] and result["rows_written"] == 2


def test_a_narrowing_stops_the_table_before_any_write_and_an_allowance_resolves_it(users_in_silver, kafka_df):
    spark = users_in_silver
    append(spark, kafka_df, "users", [("u", user(1, "a@x.io", country="FR", tier="t"), 20, 3)])
    narrowed = Source(users={**PG_USERS, "id": "integer", "tier": "text"})
    before = (snapshots(spark, USERS), columns(spark, USERS), read_watermark(spark, USERS))
    with pytest.raises(silver.SchemaChangeError) as err:
        silver.process_table(spark, "users", source=narrowed, allow_hint=lambda t, c, ty: f"allow {t}.{c}:{ty}")
    assert str(err.value).startswith("silver_users.id: the source narrowed its type from bigint to int")
    assert str(err.value).endswith("allow users.id:int")
    # nothing written: no snapshot, no new column (tier waits too), the watermark where it was
    assert (snapshots(spark, USERS), columns(spark, USERS), read_watermark(spark, USERS)) == before
    assert err.value.summary["status"] == "stopped"

    result = silver.process_table(spark, "users", source=narrowed, allow={"id": "int"}, run_id="r-allow")
    assert ("id", "allow") in [(c["column"], c["action"]) for c in result["schema_changes"]]
    assert columns(spark, USERS)["id"] == "bigint" and "tier" in columns(spark, USERS)
    recorded = json.loads(silver.table_properties(spark, USERS)["cdc.schema.allow.id"])
    assert recorded == {"silver": "bigint", "source": "int", "run": "r-allow"}
    # later runs keep the allowance without being told again
    append(spark, kafka_df, "users", [("u", user(2, "b@x.io", country="DE", tier="u"), 30, 4)])
    silver.process_table(spark, "users", source=narrowed)
    assert [r[-1] for r in history(spark.table(USERS), "country") if r[3]] == ["FR", "DE"]


def test_a_decimal_value_with_more_digits_than_the_silver_scale_does_not_fit(spark):
    spec = dataclasses.replace(catalog.spec("orders"))
    rows = [change("c", order(1, amount="1.2345"), 10, 1, table="orders"),
            change("c", order(2, amount="1.5000"), 11, 2, table="orders"),
            change("c", order(3, amount="7"), 12, 3, table="orders")]
    decoded = {r.id: (r.total_amount, r._uncastable_cols) for r in decode_rows(bronze(spark, rows), spec).collect()}
    assert decoded[1] == (None, ["total_amount"])  # would round to 1.23: refused, never silently
    assert decoded[2] == (Decimal("1.50"), [])
    assert decoded[3] == (Decimal("7.00"), [])


def test_a_date_column_decodes_debeziums_epoch_days(spark):
    spec = dataclasses.replace(catalog.spec("users"), columns=catalog.spec("users").columns + (("born", "date"),))
    rows = [change("c", user(1, "a@x.io", born=19783), 10, 1), change("c", user(2, "b@x.io", born="2024-03-01"), 11, 2)]
    decoded = {r.id: (r.born, r._uncastable_cols) for r in decode_rows(bronze(spark, rows), spec).collect()}
    assert decoded == {1: (datetime.date(2024, 3, 1), []), 2: (datetime.date(2024, 3, 1), [])}


def test_the_job_stops_only_the_table_it_cannot_apply_and_exits_1(lake, kafka_df, storage_root, capsys):
    ensure_bronze_table(lake)
    # no database for this run: a field silver lacks cannot be typed, so users stops; orders goes on
    ingest_batch(lake, kafka_df([
        kafka_record(envelope("users", "c", after=user(1, "a@x.io", tier="gold"), lsn=1), 1),
        kafka_record(envelope("orders", "c", after=order(1), lsn=2), 1, topic="cdc.db.orders"),
    ]), 0, storage_root, "run")
    b2s = load_job("bronze_to_silver")
    assert run(b2s.__file__, b2s.main, ["b2s", "--storage-root", storage_root, "--tables", "users,orders"]) == 1
    out, err = capsys.readouterr()
    summary = json.loads(out.strip())
    assert summary["status"] == "failed" and summary["error"].startswith("silver_users.tier: bronze events carry")
    assert "\n" not in summary["error"] and f"error: {summary['error']}" in err
    tables = {t["table"]: t for t in summary["tables"]}
    assert tables["silver_users"]["status"] == "stopped" and tables["silver_users"]["watermark"] is None
    assert tables["silver_orders"]["rows_written"] == 1 and tables["silver_orders"]["watermark"] is not None
    assert lake.table(USERS).count() == 0 and lake.table(ORDERS).count() == 1
    assert summary["warnings"][0].startswith("the source's column types could not be read (no database password")
