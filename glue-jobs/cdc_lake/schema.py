"""Schema evolution: silver's columns against the source's, and what a bronze_to_silver run does about it.

Pure (no Spark, no database): `plan_schema` takes silver's current source columns (its Iceberg
schema), the source's column types (Postgres, pg_catalog), the fields the run's bronze events carry
and the type changes allowed, and returns the plan: columns to add, types to widen, type changes
allowed, columns the source dropped, and the changes that stop the table.

Rules (README, "Schema evolution"):
- a source column silver lacks is added (nullable, so earlier versions read null), typed from the
  source through the catalog's `source.types`;
- a wider source type is followed through Iceberg's promotions (int -> bigint, float -> double,
  decimal(p,s) -> decimal(p',s) with p' > p); string lengths are not carried (varchar(n) -> text is
  string -> string);
- a column the source dropped stays in silver; new versions carry null, and the run warns;
- a narrower or incompatible source type stops the table before any write, with one line naming
  table, column, both types and the fix, unless allowed (silver keeps its type and casts each value);
- a field in bronze events that silver lacks is never dropped: typed from the source, added as string
  when the source no longer has it, and when the source cannot be read the table stops.
"""
import re
from dataclasses import dataclass, field

from . import catalog
from .catalog import SCD2_COLUMNS

_DECIMAL = re.compile(r"^decimal\((\d+),\s*(\d+)\)$")
_MODIFIER = re.compile(r"\(([^)]*)\)")
MAX_DECIMAL_PRECISION = 38
# Spark SQL spellings of one type, and the narrow integers Iceberg stores as int
_ALIASES = {"integer": "int", "long": "bigint", "smallint": "int", "tinyint": "int", "short": "int",
            "byte": "int", "real": "float"}
# Iceberg's type promotions (spec, "Schema Evolution"), besides widening a decimal's precision
_PROMOTIONS = {("int", "bigint"), ("float", "double")}
ALLOWED_FOR_DROPPED = "allowed for a column the source no longer has"


def canonical(spark_type):
    """One spelling per type: decimal(12, 2) -> decimal(12,2), integer -> int, smallint -> int."""
    t = " ".join(str(spark_type).strip().lower().split())
    m = _DECIMAL.match(t)
    if m:
        return f"decimal({int(m.group(1))},{int(m.group(2))})"
    return _ALIASES.get(t, t)


@dataclass(frozen=True)
class SourceType:
    pg_type: str
    spark_type: str
    # why the value is kept as text rather than typed; "" when the type maps exactly
    note: str = ""


def source_type(pg_type, types=None):
    """A Postgres column type (format_type's text) -> the Spark SQL type silver gives it."""
    types = catalog.source_types() if types is None else types
    text = " ".join(pg_type.strip().lower().split())
    if text.endswith("[]"):
        return SourceType(pg_type, "string", "an array: kept as its JSON text")
    modifier = _MODIFIER.search(text)
    base = " ".join(_MODIFIER.sub("", text).split())
    mapped = types.get(base)
    if mapped == "decimal":
        if modifier:
            precision, _, scale = modifier.group(1).partition(",")
            if int(precision) <= MAX_DECIMAL_PRECISION:
                return SourceType(pg_type, f"decimal({int(precision)},{int(scale or 0)})")
            return SourceType(pg_type, "string", f"more than {MAX_DECIMAL_PRECISION} digits: kept as its exact text")
        return SourceType(pg_type, "string", "numeric without a precision: kept as its exact text (no decimal type holds every value)")
    if mapped:
        return SourceType(pg_type, canonical(mapped))
    return SourceType(pg_type, "string", "no typed decoding of Debezium's JSON for it: kept as the JSON value's text")


def promotes(narrow, wide):
    """Iceberg can promote a column of type `narrow` to `wide` in place (metadata only)."""
    narrow, wide = canonical(narrow), canonical(wide)
    if (narrow, wide) in _PROMOTIONS:
        return True
    a, b = _DECIMAL.match(narrow), _DECIMAL.match(wide)
    return bool(a and b and a.group(2) == b.group(2) and int(b.group(1)) > int(a.group(1)))


def compare(silver_type, source_spark_type):
    """same | widen (silver can follow) | narrow | incompatible (silver cannot follow)."""
    silver_type, source_spark_type = canonical(silver_type), canonical(source_spark_type)
    if silver_type == source_spark_type:
        return "same"
    if promotes(silver_type, source_spark_type):
        return "widen"
    if promotes(source_spark_type, silver_type):
        return "narrow"
    return "incompatible"


_ALLOW_ITEM = re.compile(r"\s*([a-z_][a-z0-9_]*)\.([^\s.:,]+):(decimal\(\s*\d+\s*,\s*\d+\s*\)|[a-z_]+)\s*(,|$)", re.I)


def parse_allow(text):
    """<table>.<column>:<type>, comma-separated (quantity of orders: orders.quantity:int) ->
    {table: {column: spark type}}.
    Raises ValueError naming the part that is not <table>.<column>:<type>."""
    out, pos, text = {}, 0, (text or "").strip()
    while pos < len(text):
        m = _ALLOW_ITEM.match(text, pos)
        if not m:
            raise ValueError(f"{text[pos:]!r} is not <table>.<column>:<source type> (e.g. orders.quantity:int)")
        out.setdefault(m.group(1), {})[m.group(2)] = canonical(m.group(3))
        pos = m.end()
    return out


@dataclass(frozen=True)
class Change:
    column: str
    # add | widen | allow (silver keeps its type) | dropped | stop
    action: str
    silver_type: str = None
    source_type: str = None
    pg_type: str = None
    message: str = ""

    def as_dict(self):
        return {k: v for k, v in (("column", self.column), ("action", self.action), ("silver_type", self.silver_type),
                                  ("source_type", self.source_type), ("pg_type", self.pg_type),
                                  ("message", self.message)) if v is not None and v != ""}


@dataclass
class SchemaPlan:
    table: str
    silver_table: str
    # silver's source columns once the plan is applied: (name, spark type), in silver's order
    columns: list
    changes: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    # False when the plan was made without the source's columns (only the catalog and silver's own)
    source_read: bool = True

    def of(self, action):
        return [c for c in self.changes if c.action == action]

    @property
    def stops(self):
        return self.of("stop")

    def stop_line(self):
        """One line for a stopped table (every stopping column, the first one in full)."""
        stops = self.stops
        if not stops:
            return None
        more = f" (also: {', '.join(c.column for c in stops[1:])})" if len(stops) > 1 else ""
        return stops[0].message + more


def dropped_column_advice(plan, columns, allow_hint=None):
    """For a value that does not fit a column the source no longer has: how to say which type it is."""
    dropped = [c for c in columns if c in {x.column for x in plan.of("dropped")}]
    if not dropped:
        return None
    hint = allow_hint(dropped[0], "<type>") if allow_hint else f"allow {plan.table}.{dropped[0]}:<type>"
    return (f"{', '.join(dropped)} no longer in the source, whose type can thus not be read: if the events "
            f"hold a wider type (written before the drop), name it: {hint}")


def silver_source_columns(spec, silver_schema):
    """silver's (name, type) pairs minus its derived and SCD2 columns: the source columns it holds."""
    own = {c for c, _, _ in spec.derived} | {c for c, _ in SCD2_COLUMNS}
    return [(c, canonical(t)) for c, t in silver_schema if c not in own]


def _stopped(spec):
    return (f"this run stopped {spec.name} before writing it (the watermark did not move; its events stay in "
            f"bronze)")


def plan_schema(spec, silver_columns, source_columns, bronze_fields=(), allowed=None, allow_hint=None,
                source_error=None, types=None, source_filled=(), known_dropped=()):
    """What this run does to silver_<table>'s schema.

    spec: the catalog's TableSpec. silver_columns: [(name, type)] of the source columns silver holds
    (silver_source_columns). source_columns: {column: Postgres type} in the source's order, or None
    when it could not be read (source_error says why). bronze_fields: the fields the run's events
    carry. allowed: {column: (silver type or None, source type)} type changes allowed (a recorded
    allowance names silver's type, a new one from the run's argument does not). allow_hint(column,
    source type) -> the command that allows a change. source_filled: the source's columns that give
    rows a value of their own (a default): adding one filled the existing rows without change events.
    known_dropped: the columns an earlier run already warned about as dropped (warned once).
    """
    allowed = allowed or {}
    current = dict((c, canonical(t)) for c, t in silver_columns)
    columns = list(current.items())
    plan = SchemaPlan(spec.name, spec.silver_table, columns)
    own = {c.lower(): "derived" for c, _, _ in spec.derived}
    own.update({c.lower(): "SCD2" for c, _ in SCD2_COLUMNS})
    declared = {c: canonical(t) for c, t in spec.columns}
    where = f"{spec.silver_table}"

    def add(column, spark_type, pg_type=None, why=""):
        if column.lower() in own:
            kind = own[column.lower()]
            fix = (f"rename the derived column in pipeline.yaml (tables.{spec.name}.derived)" if kind == "derived"
                   else "rename the column in Postgres")
            plan.changes.append(Change(column, "stop", None, spark_type, pg_type, (
                f"{where}.{column}: the source has a column named like one of silver's own {kind} columns; "
                f"{_stopped(spec)}. Fix: {fix}, then re-run")))
            return
        columns.append((column, spark_type))
        current[column] = spark_type
        plan.changes.append(Change(column, "add", None, spark_type, pg_type, why))

    if source_columns is None:
        plan.source_read = False
        for column in sorted(set(bronze_fields) - set(current)):
            if column in declared:
                add(column, declared[column], why="declared in the catalog")
                continue
            plan.changes.append(Change(column, "stop", message=(
                f"{where}.{column}: bronze events carry a field silver does not have, and the source's column "
                f"types cannot be read ({source_error or 'no database configured'}), so its type is unknown; "
                f"{_stopped(spec)}. Fix: let the job reach the database, or declare it in pipeline.yaml "
                f"(tables.{spec.name}.columns.{column}), then re-run")))
        for column, spark_type in declared.items():
            if column not in current:
                add(column, spark_type, why="declared in the catalog")
        return plan

    for column, pg_type in source_columns.items():
        st = source_type(pg_type, types)
        if column not in current:
            add(column, st.spark_type, pg_type, "added in the source")
            if st.note and column in current:
                plan.warnings.append(f"{where}.{column}: Postgres type {pg_type}, {st.note}")
            if column in source_filled and column in current:
                plan.warnings.append(
                    f"{where}.{column}: has a default in the source, so the rows that existed when it was added "
                    f"hold a value no change event carried: silver reads null for them until they change; "
                    f"backfill them: cdcctl connector snapshot {spec.name}")
            continue
        old = current[column]
        kind = compare(old, st.spark_type)
        if kind == "same":
            continue
        if kind == "widen":
            plan.changes.append(Change(column, "widen", old, st.spark_type, pg_type))
            current[column] = st.spark_type
            columns[[c for c, _ in columns].index(column)] = (column, st.spark_type)
            continue
        allowance = allowed.get(column)
        if allowance and allowance[1] == st.spark_type and allowance[0] in (None, old):
            plan.changes.append(Change(column, "allow", old, st.spark_type, pg_type,
                                       f"allowed: silver keeps {old}, each {st.spark_type} value is cast into it"))
            continue
        what = ("narrowed its type" if kind == "narrow" else "changed its type")
        why = ("silver cannot narrow a column" if kind == "narrow" else "which Iceberg cannot promote")
        hint = allow_hint(column, st.spark_type) if allow_hint else f"allow {spec.name}.{column}:{st.spark_type}"
        plan.changes.append(Change(column, "stop", old, st.spark_type, pg_type, (
            f"{where}.{column}: the source {what} from {old} to {st.spark_type} (Postgres {pg_type}), {why}; "
            f"{_stopped(spec)}. Fix: change it back in Postgres, or allow it (silver keeps {old} and casts each "
            f"value; one that does not fit still stops the run): {hint}")))

    for column, _ in list(columns):
        if column not in source_columns and not any(c.column == column and c.action == "add" for c in plan.changes):
            old = current[column]
            plan.changes.append(Change(column, "dropped", old))
            if column not in known_dropped:
                    plan.warnings.append(
                    f"{where}.{column}: no longer in the source (dropped, or renamed: a rename is a drop and an add); "
                    f"silver keeps the column, and versions written from now on carry null. If it was renamed, the "
                    f"rows no change touches get the new column's value by a backfill: cdcctl connector snapshot "
                    f"{spec.name}")
            # the source cannot say any more which type the column's pending events hold: this run's
            # allowance says it (bronze events written before the drop may carry a wider type)
            allowance = allowed.get(column)
            if allowance and allowance[0] is None and compare(old, allowance[1]) != "same":
                kind = compare(old, allowance[1])
                if kind == "widen":
                    plan.changes.append(Change(column, "widen", old, allowance[1], None, ALLOWED_FOR_DROPPED))
                    current[column] = allowance[1]
                    columns[[c for c, _ in columns].index(column)] = (column, allowance[1])
                else:
                    plan.changes.append(Change(column, "allow", old, allowance[1], None,
                                               f"allowed: silver keeps {old}, each {allowance[1]} value is cast into it"))

    for column in sorted(set(bronze_fields) - set(current)):
        add(column, declared.get(column, "string"), why="in bronze events, no longer in the source")
        if column in current:
            plan.warnings.append(f"{where}.{column}: in bronze events but no longer in the source (added and dropped "
                                 f"between runs?): added as {current[column]} so its values are kept")
    for column, spark_type in declared.items():
        if column not in current:
            add(column, spark_type, why="declared in the catalog")
    return plan
