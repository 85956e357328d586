"""Current silver rows -> the catalog's gold tables, each rebuilt in one commit by its builder.

Arguments: pipeline.yaml (this script's job). Locally `cdcctl job run` passes them.
"""
import datetime
import inspect
import sys

from cdc_lake import catalog, gold
from cdc_lake.session import build_session, table_name, warehouse_for
from cdc_lake.silver import MissingTableError


def _current(spark, table):
    name = table_name(catalog.spec(table).silver_table)
    if not spark.catalog.tableExists(name):
        raise MissingTableError(f"silver table {name} does not exist: run bronze_to_silver first")
    return gold.current_rows(spark.table(name))


def build(name, current, as_of):
    """The gold table `name` from the current rows of the source tables it reads."""
    spec = catalog.gold_tables()[name]
    builder = getattr(gold, spec["builder"])
    # only the builders that measure from a date take one
    extra = {"as_of": as_of} if "as_of" in inspect.signature(builder).parameters else {}
    return builder(*(current[t] for t in spec["reads"]), **extra)


def main(opts):
    as_of = opts["as_of"] or datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    spark = build_session("silver_to_gold", warehouse_for(opts["storage_root"]), opts["catalog"])
    reads = sorted({t for g in catalog.gold_tables().values() for t in g["reads"]}, key=list(catalog.tables()).index)
    current = {t: _current(spark, t).persist() for t in reads}
    rows_read = sum(df.count() for df in current.values())
    written = {name: gold.replace_table(build(name, current, as_of), name) for name in catalog.gold_tables()}
    return {
        "status": "succeeded", "as_of": as_of, "rows_read": rows_read, "rows_written": sum(written.values()),
        "dlq_count": 0, "watermark": None, "tables": written,
    }


if __name__ == "__main__":
    from cdc_lake.entry import run
    sys.exit(run(__file__, main, sys.argv))
