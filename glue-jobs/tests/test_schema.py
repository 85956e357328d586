"""cdc_lake.schema: the pure plan of what a bronze_to_silver run does to a silver table's schema."""
import json
from pathlib import Path

import pytest

from cdc_lake import catalog, schema

CASES = json.loads((Path(__file__).resolve().parents[2] / "test" / "fixtures" / "schema-type-cases.json").read_text())
USERS = catalog.spec("users")
ORDERS = catalog.spec("orders")
PG_USERS = {"id": "bigint", "email": "text", "full_name": "text", "country": "text",
            "created_at": "timestamp with time zone", "updated_at": "timestamp with time zone"}


def hint(column, source_type):
    return f"ALLOW {column}:{source_type}"


@pytest.mark.parametrize("case", CASES["source_types"], ids=lambda c: c["pg"])
def test_a_postgres_type_maps_to_the_silver_type_the_cli_expects(case):
    st = schema.source_type(case["pg"])
    assert (st.spark_type, st.note == "") == (case["spark"], case["exact"])


@pytest.mark.parametrize("case", CASES["comparisons"], ids=lambda c: f"{c['silver']}->{c['source']}")
def test_a_type_change_is_classified_as_the_cli_classifies_it(case):
    assert schema.compare(case["silver"], case["source"]) == case["kind"]


def test_the_catalogs_own_columns_match_their_postgres_types():
    plan = schema.plan_schema(USERS, list(USERS.columns), PG_USERS, set(PG_USERS))
    assert (plan.changes, plan.warnings) == ([], [])


def test_a_column_added_in_the_source_is_added_after_the_last_source_column_with_its_type():
    plan = schema.plan_schema(USERS, list(USERS.columns), {**PG_USERS, "tier": "text", "visits": "integer"}, {"id"})
    assert [(c.column, c.action, c.source_type) for c in plan.changes] == [
        ("tier", "add", "string"), ("visits", "add", "int")]
    assert plan.columns[-2:] == [("tier", "string"), ("visits", "int")]
    assert not plan.stops and not plan.warnings


def test_a_wider_source_type_widens_silver_in_place():
    silver = [(c, "int" if c == "quantity" else t) for c, t in ORDERS.columns]
    source = {c: "integer" if c == "quantity" else "bigint" for c, _ in ORDERS.columns}
    source.update({"total_amount": "numeric(16,2)", "status": "character varying(20)",
                   "order_date": "timestamp with time zone", "updated_at": "timestamp with time zone",
                   "quantity": "bigint"})
    plan = schema.plan_schema(ORDERS, silver, source, {"id"})
    assert [(c.column, c.action, c.silver_type, c.source_type) for c in plan.changes] == [
        ("quantity", "widen", "int", "bigint"), ("total_amount", "widen", "decimal(12,2)", "decimal(16,2)")]
    assert dict(plan.columns)["quantity"] == "bigint"


def test_a_column_added_with_a_default_warns_that_existing_rows_need_a_backfill():
    plan = schema.plan_schema(USERS, list(USERS.columns), {**PG_USERS, "tier": "text"}, {"id"}, source_filled={"tier", "id"})
    assert [c.column for c in plan.of("add")] == ["tier"]
    assert plan.warnings == [
        "silver_users.tier: has a default in the source, so the rows that existed when it was added hold a value no "
        "change event carried: silver reads null for them until they change; backfill them: cdcctl connector "
        "snapshot users"]


def test_a_dropped_column_stays_in_silver_and_the_run_warns_naming_it():
    source = {c: t for c, t in PG_USERS.items() if c != "country"}
    plan = schema.plan_schema(USERS, list(USERS.columns), source, {"id", "email"})
    assert [(c.column, c.action) for c in plan.changes] == [("country", "dropped")]
    assert ("country", "string") in plan.columns
    assert len(plan.warnings) == 1 and plan.warnings[0].startswith("silver_users.country: no longer in the source")


def test_a_drop_is_warned_once():
    source = {c: t for c, t in PG_USERS.items() if c != "country"}
    plan = schema.plan_schema(USERS, list(USERS.columns), source, {"id"}, known_dropped=["country"])
    assert [(c.column, c.action) for c in plan.changes] == [("country", "dropped")] and plan.warnings == []


def test_a_rename_is_a_drop_and_an_add():
    source = {("display_name" if c == "full_name" else c): t for c, t in PG_USERS.items()}
    plan = schema.plan_schema(USERS, list(USERS.columns), source, {"id", "display_name"})
    assert sorted((c.column, c.action) for c in plan.changes) == [("display_name", "add"), ("full_name", "dropped")]


def test_a_narrowing_stops_the_table_with_one_line_naming_column_types_and_fix():
    silver = [(c, "bigint" if c == "country" else t) for c, t in USERS.columns]
    plan = schema.plan_schema(USERS, silver, {**PG_USERS, "country": "integer"}, {"id"}, allow_hint=hint)
    line = plan.stop_line()
    assert "\n" not in line
    assert line.startswith("silver_users.country: the source narrowed its type from bigint to int (Postgres integer)")
    assert "this run stopped users before writing it" in line and line.endswith("ALLOW country:int")


def test_an_incompatible_change_stops_the_table_and_so_does_a_decimal_scale_change():
    plan = schema.plan_schema(USERS, list(USERS.columns), {**PG_USERS, "country": "integer"}, {"id"})
    assert [(c.column, c.action) for c in plan.changes] == [("country", "stop")]
    assert "changed its type from string to int" in plan.stop_line()
    silver = list(ORDERS.columns)
    source = {"id": "bigint", "user_id": "bigint", "product_id": "bigint", "quantity": "integer",
              "total_amount": "numeric(14,4)", "status": "text", "order_date": "timestamp with time zone",
              "updated_at": "timestamp with time zone"}
    plan = schema.plan_schema(ORDERS, silver, source, {"id"})
    assert "from decimal(12,2) to decimal(14,4)" in plan.stop_line()


def test_an_allowed_change_keeps_silvers_type_and_only_that_exact_change_is_allowed():
    silver = [(c, "bigint" if c == "country" else t) for c, t in USERS.columns]
    source = {**PG_USERS, "country": "integer"}
    plan = schema.plan_schema(USERS, silver, source, {"id"}, allowed={"country": (None, "int")})
    assert [(c.column, c.action, c.silver_type, c.source_type) for c in plan.changes] == [
        ("country", "allow", "bigint", "int")]
    assert dict(plan.columns)["country"] == "bigint" and not plan.stops
    # a recorded allowance of another change (silver was decimal) does not cover this one
    plan = schema.plan_schema(USERS, silver, source, {"id"}, allowed={"country": ("decimal(20,0)", "int")})
    assert plan.stops


def test_an_allowance_names_the_type_of_a_column_the_source_no_longer_has():
    # bronze still holds events written before the drop, with values of a wider type than silver's
    silver = [*USERS.columns, ("visits", "int")]
    plan = schema.plan_schema(USERS, silver, PG_USERS, {"id", "visits"}, allowed={"visits": (None, "bigint")})
    assert [(c.column, c.action) for c in plan.changes] == [("visits", "dropped"), ("visits", "widen")]
    assert dict(plan.columns)["visits"] == "bigint"
    plain = schema.plan_schema(USERS, silver, PG_USERS, {"id", "visits"}, allow_hint=hint)
    assert schema.dropped_column_advice(plain, ["visits"], hint).endswith("name it: ALLOW visits:<type>")
    assert schema.dropped_column_advice(plain, ["email"], hint) is None


def test_a_source_column_named_like_a_derived_or_scd2_column_stops_the_table():
    plan = schema.plan_schema(USERS, list(USERS.columns), {**PG_USERS, "operation": "text"}, {"id"})
    assert plan.stops and "one of silver's own SCD2 columns" in plan.stop_line()
    plan = schema.plan_schema(USERS, list(USERS.columns), {**PG_USERS, "email_domain": "text"}, {"id"})
    assert "tables.users.derived" in plan.stop_line()


def test_a_field_in_bronze_no_longer_in_the_source_is_kept_as_string_with_a_warning():
    plan = schema.plan_schema(USERS, list(USERS.columns), PG_USERS, {"id", "nickname"})
    assert [(c.column, c.action, c.source_type) for c in plan.changes] == [("nickname", "add", "string")]
    assert "nickname: in bronze events but no longer in the source" in plan.warnings[0]


def test_without_the_source_a_new_field_in_bronze_stops_the_table_instead_of_guessing():
    plan = schema.plan_schema(USERS, list(USERS.columns), None, {"id", "tier"}, source_error="PostgreSQL down")
    assert [(c.column, c.action) for c in plan.changes] == [("tier", "stop")]
    assert "cannot be read (PostgreSQL down)" in plan.stop_line()
    plan = schema.plan_schema(USERS, list(USERS.columns), None, {"id", "email"}, source_error="PostgreSQL down")
    assert plan.changes == []


def test_a_column_declared_in_the_catalog_that_silver_lacks_is_added_with_the_catalogs_type():
    silver = [(c, t) for c, t in USERS.columns if c != "country"]
    plan = schema.plan_schema(USERS, silver, None, {"id"})
    assert [(c.column, c.action, c.source_type) for c in plan.changes] == [("country", "add", "string")]


def test_a_type_postgres_has_no_typed_decoding_for_is_added_as_string_with_a_warning():
    plan = schema.plan_schema(USERS, list(USERS.columns), {**PG_USERS, "seen": "timestamp without time zone"}, {"id"})
    assert [(c.column, c.source_type) for c in plan.of("add")] == [("seen", "string")]
    assert plan.warnings == ["silver_users.seen: Postgres type timestamp without time zone, no typed decoding of "
                             "Debezium's JSON for it: kept as the JSON value's text"]


@pytest.mark.parametrize("text,expected", [
    ("", {}),
    ("orders.quantity:int", {"orders": {"quantity": "int"}}),
    ("orders.quantity:INTEGER, products.price:decimal(12, 2)",
     {"orders": {"quantity": "int"}, "products": {"price": "decimal(12,2)"}}),
])
def test_allow_argument_parses_table_column_and_type(text, expected):
    assert schema.parse_allow(text) == expected


@pytest.mark.parametrize("text", ["orders.quantity", "quantity:int", "orders.quantity:int;users.x:int"])
def test_allow_argument_that_is_not_table_column_type_is_refused(text):
    with pytest.raises(ValueError, match="is not <table>.<column>:<source type>"):
        schema.parse_allow(text)
