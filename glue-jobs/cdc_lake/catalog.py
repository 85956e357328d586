"""The pipeline catalog (pipeline.yaml): source tables, lake tables, jobs and their arguments.

The CLI, Terraform and the Airflow DAG read the same file. `cdc_lake/pipeline.yaml` links to the
repository's copy, and deploy packs the file itself into cdc_lake.zip, so one read (pkgutil, which
also reads from inside the zip Glue imports the package from) works from a checkout and on Glue.
"""
import pkgutil
from dataclasses import dataclass
from functools import lru_cache

import yaml


@lru_cache(maxsize=1)
def load():
    return yaml.safe_load(pkgutil.get_data(__package__, "pipeline.yaml"))


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: str
    silver_table: str
    columns: tuple  # (name, spark sql type) of the source columns, in order
    derived: tuple  # (name, spark sql type, spark sql expression) of the columns silver adds

    @property
    def business_columns(self):
        return [c for c, _ in self.columns]

    @property
    def silver_schema(self):
        """(name, type) of every silver column: source columns, derived columns, SCD2 columns."""
        return list(self.columns) + [(c, t) for c, t, _ in self.derived] + list(SCD2_COLUMNS)


SCD2_COLUMNS = (
    ("_valid_from", "timestamp"), ("_valid_to", "timestamp"), ("_is_current", "boolean"),
    ("_hash", "string"), ("operation", "string"), ("_source_lsn", "bigint"),
)


@lru_cache(maxsize=1)
def tables():
    """Source table name -> TableSpec, in catalog order."""
    return {
        name: TableSpec(
            name, t["key"], t["silver"], tuple(t["columns"].items()),
            tuple((c, d["type"], d["sql"]) for c, d in (t.get("derived") or {}).items()))
        for name, t in load()["tables"].items()
    }


def spec(table):
    try:
        return tables()[table]
    except KeyError:
        raise ValueError(f"unknown source table {table!r}: expected one of {', '.join(tables())}") from None


def as_spec(table):
    """A TableSpec as given, or the catalog's for a table name. Functions over a table take either:
    the catalog's columns, or the effective ones a silver table evolved to (cdc_lake.schema)."""
    return table if isinstance(table, TableSpec) else spec(table)


def silver_schema(table):
    return as_spec(table).silver_schema


def silver_columns(table):
    return [c for c, _ in silver_schema(table)]


def silver_tables():
    return tuple(s.silver_table for s in tables().values())


def gold_tables():
    """Gold table name -> {key, reads}."""
    return dict(load()["gold"])


def namespace():
    return load()["lake"]["namespace"]


def bronze_table():
    return load()["lake"]["bronze"]


def source_types():
    """Postgres type (format_type without its modifier) -> the Spark SQL type schema evolution gives it."""
    return dict(load()["source"]["types"])


def topic(table):
    return f"{load()['source']['topic_prefix']}.{table}"


def table_keys():
    """The key of every silver and gold table, by table name."""
    keys = {s.silver_table: s.key for s in tables().values()}
    keys.update({name: g["key"] for name, g in gold_tables().items()})
    return keys


def job_for_script(path):
    """The catalog job whose script is `path` (an entry script's __file__)."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    for job, spec in load()["jobs"].items():
        if spec["script"] == name:
            return job
    raise ValueError(f"no job in the catalog runs {name}")


def job_arguments(job):
    """Every argument `job` takes (the common ones, then its own): name -> spec dict."""
    jobs = load()["jobs"]
    if job not in jobs:
        raise ValueError(f"unknown job {job!r}: expected one of {', '.join(jobs)}")
    return {**load()["job_arguments"], **jobs[job]["arguments"]}
