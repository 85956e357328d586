"""Schema changes in Postgres on the real stack: add, widen, drop, rename and an incompatible change.

One scenario in three pipeline passes (the tests are its steps and run in file order):

1. add: new columns in users, products and orders, and changes that set them; kafka_to_bronze and
   bronze_to_silver run; silver has each column with its type and equals Postgres for every column.
2. widen (int -> bigint, varchar(20) -> text, numeric(8,2) -> numeric(12,2)), drop, rename (a drop and
   an add), a column added with a default, and in orders an incompatible change (bigint -> int) next
   to a new column; the rows no change touched get the renamed and the defaulted column's values
   through an incremental snapshot, the backfill the run's warnings point to; one pipeline pass: users
   and products are current and equal Postgres, orders stops with one line before writing anything,
   its events stay in bronze.
3. the change is allowed (bronze-to-silver --arg allow=...): orders catches up, nothing lost, and the
   data-quality schema and reconcile rules pass.

The columns are the module's own (suffixed with a tag): the catalog's columns, which the other tests
rely on, are never changed, and the module drops its columns from Postgres when it ends (silver keeps
them, as it keeps any dropped column).
"""
import uuid
from decimal import Decimal

import pytest

from cdc_lake.watermark import read_watermark

from .conftest import (
    TABLES, Changes, cli, compare_keyed, expected_derived, norm, run_job, spark_rows, table, topic_end_offsets,
    wait_for_kafka,
)

pytestmark = pytest.mark.integration

TAG = uuid.uuid4().hex[:6]
C = {name: f"{name}_{TAG}" for name in
     ("tier", "nick", "points", "old", "new", "badge", "weight", "gone", "level", "note")}
OWN_COLUMNS = {"users": ["tier", "nick", "points", "old", "new", "badge"], "products": ["weight", "gone"],
               "orders": ["level", "note"]}


def pg_columns(pg, tbl):
    cur = pg.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                     "AND table_name = %s ORDER BY ordinal_position", [tbl])
    return [r[0] for r in cur.fetchall()]


def silver_types(lake, tbl):
    return {f.name: f.dataType.simpleString() for f in lake.table(table(f"silver_{tbl}")).schema.fields}


def assert_silver_equals_postgres(lake, pg, tbl):
    """Silver's current rows == Postgres's rows for every column Postgres has (and the derived ones)."""
    cols = pg_columns(pg, tbl)
    types = silver_types(lake, tbl)
    missing = [c for c in cols if c not in types]
    assert not missing, f"silver_{tbl} lacks the source columns {missing}"
    cur = pg.execute(f"SELECT {', '.join(cols)} FROM public.{tbl}")
    expected = [{c: norm(v) for c, v in zip(cols, row)} for row in cur.fetchall()]
    expected = [{**r, **expected_derived(tbl, r)} for r in expected]
    derived = [c for c, _, _ in TABLES[tbl].derived]
    actual = spark_rows(lake, f"silver_{tbl}", cols + derived, types, "_is_current")
    compare_keyed(expected, actual, TABLES[tbl].key, f"silver_{tbl} current rows vs Postgres public.{tbl} (every column)")


def versions(lake, tbl, key, *cols):
    types = silver_types(lake, tbl)
    rows = spark_rows(lake, f"silver_{tbl}", ["_source_lsn", "_is_current", *cols], types, f"id = {int(key)}")
    return [tuple(r[c] for c in ("_is_current", *cols)) for r in sorted(rows, key=lambda r: r["_source_lsn"])]


def watermark(lake, tbl):
    # main's lineage, as the job reads it: a run that staged on its branch and never published moved nothing
    return read_watermark(lake, table(f"silver_{tbl}"))


def run_bronze_to_silver(*extra):
    out = cli("job", "run", "bronze-to-silver", *extra, "--timeout", "600", timeout=660, check=False)
    return out


def source_users_count(pg):
    return pg.execute("SELECT count(*) FROM public.users").fetchone()[0]


@pytest.fixture(scope="module")
def scenario(pg, lake):
    state = {}
    yield state
    for tbl, names in OWN_COLUMNS.items():
        pg.execute(f"ALTER TABLE public.{tbl} " + ", ".join(f"DROP COLUMN IF EXISTS {C[n]}" for n in names))


def test_1_added_columns_reach_silver_in_the_run_that_first_sees_them(scenario, pg, lake):
    pg.execute(f"ALTER TABLE public.users ADD COLUMN {C['tier']} text, ADD COLUMN {C['nick']} varchar(20), "
               f"ADD COLUMN {C['points']} integer, ADD COLUMN {C['old']} text")
    pg.execute(f"ALTER TABLE public.products ADD COLUMN {C['weight']} numeric(8,2), ADD COLUMN {C['gone']} text")
    pg.execute(f"ALTER TABLE public.orders ADD COLUMN {C['level']} bigint")
    baseline, ch = topic_end_offsets(), Changes(pg)
    u1 = ch.insert("users", email=f"{TAG}-1@example.com", full_name="Schema One", country="IN",
                   **{C["tier"]: "free", C["nick"]: "one", C["points"]: 10, C["old"]: "old one"})
    u2 = ch.insert("users", email=f"{TAG}-2@example.com", full_name="Schema Two", country="DE", **{C["tier"]: "free"})
    u3 = ch.insert("users", email=f"{TAG}-3@example.com", full_name="Schema Three", country="FR", **{C["old"]: "old three"})
    ch.update("users", u1, **{C["tier"]: "gold"})
    p1 = ch.insert("products", name=f"{TAG} schema", category="it-test", price=Decimal("20.00"),
                   **{C["weight"]: Decimal("123456.78"), C["gone"]: "soon gone"})
    o1 = ch.insert("orders", user_id=u1, product_id=p1, quantity=1, total_amount=Decimal("20.00"), **{C["level"]: 42})
    scenario.update(u1=u1, u2=u2, u3=u3, p1=p1, o1=o1)
    wait_for_kafka(baseline, ch.expected)
    run_job("kafka-to-bronze")
    summary = run_job("bronze-to-silver")["summary"]

    added = {(t["table"], c["column"], c["source_type"]) for t in summary["tables"]
             for c in t.get("schema_changes", []) if c["action"] == "add"}
    assert {("silver_users", C["tier"], "string"), ("silver_users", C["nick"], "string"),
            ("silver_users", C["points"], "int"), ("silver_products", C["weight"], "decimal(8,2)"),
            ("silver_orders", C["level"], "bigint")} <= added
    assert silver_types(lake, "users")[C["points"]] == "int"
    for tbl in TABLES:
        assert_silver_equals_postgres(lake, pg, tbl)
    # the version before the column existed reads null; the change that set it is a version of its own
    assert versions(lake, "users", u1, C["tier"]) == [(False, "free"), (True, "gold")]
    scenario["orders_watermark"] = watermark(lake, "orders")


def test_2_widened_dropped_and_renamed_columns_flow_and_the_incompatible_change_stops_only_orders(scenario, pg, lake):
    u1, u2, u3, p1, o1 = (scenario[k] for k in ("u1", "u2", "u3", "p1", "o1"))
    pg.execute(f"ALTER TABLE public.users ALTER COLUMN {C['nick']} TYPE text, ALTER COLUMN {C['points']} TYPE bigint")
    pg.execute(f"ALTER TABLE public.users RENAME COLUMN {C['old']} TO {C['new']}")
    pg.execute(f"ALTER TABLE public.users ADD COLUMN {C['badge']} text NOT NULL DEFAULT 'none'")
    pg.execute(f"ALTER TABLE public.products ALTER COLUMN {C['weight']} TYPE numeric(12,2)")
    pg.execute(f"ALTER TABLE public.products DROP COLUMN {C['gone']}")
    pg.execute(f"ALTER TABLE public.orders ALTER COLUMN {C['level']} TYPE integer, ADD COLUMN {C['note']} text")
    baseline, ch = topic_end_offsets(), Changes(pg)
    ch.update("users", u1, **{C["nick"]: "a nickname longer than twenty characters", C["points"]: 5_000_000_000,
                              C["new"]: "renamed one"})
    ch.update("users", u2, country="AT")
    ch.update("products", p1, name=f"{TAG} schema v2", **{C["weight"]: Decimal("1234567890.12")})
    ch.update("orders", o1, status="paid", **{C["level"]: 7, C["note"]: "first note"})
    o2 = ch.insert("orders", user_id=u2, product_id=p1, quantity=2, total_amount=Decimal("40.00"), **{C["level"]: 8})
    scenario["o2"] = o2
    wait_for_kafka(baseline, ch.expected)
    # u3 was not changed after the rename, nor any row but u1 and u2 after the default was added: their
    # values reach silver through a backfill
    baseline = topic_end_offsets()
    cli("connector", "snapshot", "users")
    wait_for_kafka(baseline, {"cdc.db.users": source_users_count(pg)}, timeout=180)
    run_job("kafka-to-bronze")
    out = run_bronze_to_silver()
    scenario["stopped"] = out
    result = out["result"]

    # orders stopped: one line naming table, column, both types and the fix; exit 1
    assert (out["status"], result["state"]) == (1, "FAILED"), out
    error = result["error"]
    assert "\n" not in error
    assert error.startswith(f"silver_orders.{C['level']}: the source narrowed its type from bigint to int "
                            f"(Postgres integer)"), error
    assert f"cdcctl job run bronze-to-silver --arg allow=orders.{C['level']}:int" in error
    tables = {t["table"]: t for t in result["summary"]["tables"]}
    assert tables["silver_orders"]["status"] == "stopped"
    # ... and wrote nothing: no new column, its watermark where it was, the old values current
    assert C["note"] not in silver_types(lake, "orders")
    assert watermark(lake, "orders") == scenario["orders_watermark"]
    assert versions(lake, "orders", o1, C["level"]) == [(True, 42)]
    assert versions(lake, "orders", o2) == []
    bronze = lake.sql(f"SELECT key FROM {table('bronze_cdc_events')} WHERE source_table = 'orders' "
                      f"AND get_json_object(key, '$.id') IN ('{o1}', '{o2}') AND operation IN ('u', 'c')").collect()
    assert len(bronze) == 3, "the stopped table's events are not all in bronze"

    # the other tables went on: widened, dropped and renamed columns, equal to Postgres
    types = silver_types(lake, "users")
    assert (types[C["points"]], types[C["nick"]], silver_types(lake, "products")[C["weight"]]) == (
        "bigint", "string", "decimal(12,2)")
    for tbl in ("users", "products"):
        assert_silver_equals_postgres(lake, pg, tbl)
    assert versions(lake, "users", u1, C["points"], C["old"], C["new"])[-1] == (True, 5_000_000_000, None, "renamed one")
    assert versions(lake, "users", u3, C["old"], C["new"]) == [(False, "old three", None), (True, None, "old three")]
    assert versions(lake, "products", p1, C["gone"]) == [(False, "soon gone"), (True, None)]
    assert any(w.startswith(f"silver_products.{C['gone']}: no longer in the source") for w in out["warnings"]), \
        out["warnings"]
    assert any(w.startswith(f"silver_users.{C['old']}: no longer in the source") for w in out["warnings"])
    assert any(w.startswith(f"silver_users.{C['badge']}: has a default in the source") and
               w.endswith("cdcctl connector snapshot users") for w in out["warnings"])

    diff = cli("schema", "diff", "--table", "orders", check=False)
    assert diff["status"] == 1
    states = {c["column"]: c["state"] for c in diff["result"]["tables"][0]["columns"]}
    assert (states[C["level"]], states[C["note"]]) == ("stop", "new")


def test_3_allowing_the_change_brings_orders_current_without_losing_an_event(scenario, pg, lake):
    o1, o2 = scenario["o1"], scenario["o2"]
    out = run_bronze_to_silver("--arg", f"allow=orders.{C['level']}:int")
    assert (out["status"], out["result"]["state"]) == (0, "SUCCEEDED"), out
    types = silver_types(lake, "orders")
    assert (types[C["level"]], types[C["note"]]) == ("bigint", "string")  # silver kept its type
    assert versions(lake, "orders", o1, C["level"], C["note"]) == [(False, 42, None), (True, 7, "first note")]
    assert versions(lake, "orders", o2, C["level"]) == [(True, 8)]
    for tbl in TABLES:
        assert_silver_equals_postgres(lake, pg, tbl)

    diff = cli("schema", "diff", "--table", "orders")
    states = {c["column"]: c["state"] for c in diff["result"]["tables"][0]["columns"]}
    assert states[C["level"]] == "allowed" and diff["status"] == 0

    check = cli("dq", "check", "--only", "schema", "--only", "reconcile_source", timeout=900)
    rules = {r["name"]: r for r in check["result"]["rules"]}
    for tbl in TABLES:
        assert rules[f"{tbl}.schema"]["status"] == "pass", rules[f"{tbl}.schema"]
        assert rules[f"{tbl}.reconcile"]["status"] == "pass", rules[f"{tbl}.reconcile"]
