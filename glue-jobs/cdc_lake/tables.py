"""What bronze_to_silver knows about each source table: key, typed columns, derived columns."""
from dataclasses import dataclass


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: str
    columns: tuple  # (name, spark sql type) of the source columns, in order
    derived: tuple  # (name, spark sql type) of the columns silver adds

    @property
    def business_columns(self):
        return [c for c, _ in self.columns]

    @property
    def silver_table(self):
        return f"silver_{self.name}"


SCD2_COLUMNS = (
    ("_valid_from", "timestamp"), ("_valid_to", "timestamp"), ("_is_current", "boolean"),
    ("_hash", "string"), ("operation", "string"), ("_source_lsn", "bigint"),
)

TABLES = {
    "users": TableSpec(
        "users", "id",
        (("id", "bigint"), ("email", "string"), ("full_name", "string"), ("country", "string"),
         ("created_at", "timestamp"), ("updated_at", "timestamp")),
        (("email_domain", "string"),),
    ),
    "products": TableSpec(
        "products", "id",
        (("id", "bigint"), ("name", "string"), ("category", "string"), ("price", "decimal(12,2)"),
         ("status", "string"), ("description", "string"), ("created_at", "timestamp"),
         ("updated_at", "timestamp")),
        (("price_category", "string"), ("is_active", "boolean")),
    ),
    "orders": TableSpec(
        "orders", "id",
        (("id", "bigint"), ("user_id", "bigint"), ("product_id", "bigint"), ("quantity", "int"),
         ("total_amount", "decimal(12,2)"), ("status", "string"), ("order_date", "timestamp"),
         ("updated_at", "timestamp")),
        (("order_value_category", "string"),),
    ),
}


def spec(table):
    try:
        return TABLES[table]
    except KeyError:
        raise ValueError(f"unknown source table {table!r}: expected one of {', '.join(TABLES)}") from None


def silver_schema(table):
    s = spec(table)
    return list(s.columns) + list(s.derived) + list(SCD2_COLUMNS)


def silver_columns(table):
    return [c for c, _ in silver_schema(table)]
