"""The `schema` rule, and reconcile_source's columns once silver's schema evolved."""
from cdc_lake import catalog
from cdc_lake.dq import checks, rules as dq_rules, runner

USERS_PG = {"id": "bigint", "email": "text", "full_name": "text", "country": "text",
            "created_at": "timestamp with time zone", "updated_at": "timestamp with time zone"}
CATALOG_USERS = dict(catalog.spec("users").silver_schema)


def silver_users(spark, extra="", country="string"):
    """An empty silver_users-shaped frame: the catalog's columns, with `extra` ones after the source columns."""
    cols = [f"`{c}` {country if c == 'country' else t}" for c, t in catalog.spec("users").silver_schema]
    if extra:
        cols.insert(len(catalog.spec("users").columns), extra)
    return spark.createDataFrame([], ", ".join(cols))


def test_silver_with_the_catalogs_columns_and_an_evolved_one_passes(spark):
    outcome = checks.schema_columns(silver_users(spark, "tier string"), CATALOG_USERS,
                                    {"id": "bigint", "email": "string", "tier": "string"})
    assert outcome.passed, outcome.message
    assert outcome.observed["columns"] == len(CATALOG_USERS) + 1


def test_a_missing_column_and_a_type_that_is_not_a_widening_fail_naming_them(spark):
    expected = {**CATALOG_USERS, "tier": "string", "country": "int"}
    outcome = checks.schema_columns(silver_users(spark), expected)
    assert not outcome.passed
    assert outcome.observed["missing"] == ["tier"]
    assert outcome.observed["mismatched"] == ["country is string, expected int"]
    assert outcome.sample_keys == ["country", "tier"]


def test_a_widened_column_still_meets_its_expected_type(spark):
    outcome = checks.schema_columns(silver_users(spark, country="bigint"), {**CATALOG_USERS, "country": "int"})
    assert outcome.passed, outcome.message


def test_a_source_column_silver_lacks_or_holds_narrower_fails(spark):
    outcome = checks.schema_columns(silver_users(spark, country="int"), CATALOG_USERS,
                                    {"tier": "string", "country": "bigint", "id": "bigint"})
    assert outcome.observed["not_in_silver"] == ["tier"]
    assert outcome.observed["type_behind_source"] == ["country is int in silver, bigint in the source"]
    assert not outcome.passed and "1 column(s) in the source but not in silver: tier" in outcome.message


def test_a_type_change_allowed_on_the_table_is_not_reported(spark):
    source = {"country": "int"}  # silver keeps string, as allowed
    assert not checks.schema_columns(silver_users(spark), CATALOG_USERS, source).passed
    outcome = checks.schema_columns(silver_users(spark), CATALOG_USERS, source, allowed={"country": ("string", "int")})
    assert outcome.passed, outcome.message


def test_extra_columns_fail_only_when_not_allowed(spark):
    outcome = checks.schema_columns(silver_users(spark, "tier string"), CATALOG_USERS, allow_extra=False)
    assert (outcome.passed, outcome.observed["extra"]) == (False, ["tier"])


RULES = """\
version: 1
rules:
  - name: users.schema
    type: schema
    table: silver_users
    source_table: public.users
  - name: users.reconcile
    type: reconcile_source
    table: silver_users
    source_table: public.users
"""


def test_rules_read_the_source_columns_once_and_reconcile_compares_the_columns_both_sides_hold(lake):
    silver_users(lake, "tier string").writeTo("lake.cdc.silver_users").using("iceberg").create()
    source = {**{c: t for c, t in USERS_PG.items() if c != "full_name"}, "tier": "text"}  # full_name dropped
    asked, read = [], []

    def read_columns(tables):
        asked.append(tables)
        return {"users": source}

    def read_source(tables):
        read.append(tables)
        return {"public.users": []}

    results = {r["name"]: r for r in runner.run_rules(lake, dq_rules.parse_rules(RULES), read_source,
                                                       read_columns=read_columns)}
    assert asked == [["users"]]
    assert read == [{"public.users": ["id", "email", "country", "created_at", "updated_at", "tier"]}]
    assert results["users.schema"]["status"] == "pass", results["users.schema"]
    assert results["users.reconcile"]["status"] == "pass", results["users.reconcile"]


def test_an_unreadable_source_schema_is_an_error_on_the_rules_that_need_it(lake):
    silver_users(lake).writeTo("lake.cdc.silver_users").using("iceberg").create()

    def down(_tables):
        raise RuntimeError("PostgreSQL at 127.0.0.1:1/cdc_demo is not reachable")

    results = runner.run_rules(lake, dq_rules.parse_rules(RULES), down, read_columns=down)
    assert [(r["name"], r["status"]) for r in results] == [("users.schema", "error"), ("users.reconcile", "error")]
    assert all("not reachable" in r["message"] for r in results)
