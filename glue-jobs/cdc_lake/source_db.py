"""The Postgres source as the jobs reach it: credentials, and the column types of the source tables.

data_quality reads rows through it (reconcile_source); bronze_to_silver reads only the catalog
(pg_catalog) for the column types that schema evolution follows. Credentials: a 0600 file locally,
the Secrets Manager secret on aws.
"""
import json
from pathlib import Path

from . import catalog

DEFAULTS = {"host": "127.0.0.1", "port": 5432, "dbname": catalog.load()["source"]["database"], "username": "cdc"}


class SourceError(RuntimeError):
    pass


def _read_secret(secret_name, region=None):
    import boto3

    client = boto3.client("secretsmanager", region_name=region) if region else boto3.client("secretsmanager")
    try:
        return json.loads(client.get_secret_value(SecretId=secret_name)["SecretString"])
    except Exception as exc:  # noqa: BLE001 - boto3 raises many kinds; one line is what the user needs
        raise SourceError(f"cannot read Secrets Manager secret {secret_name!r}: {type(exc).__name__}") from None


def load_credentials(credentials_file=None, secret_name=None, region=None, sslrootcert=None, **overrides):
    """host, port, dbname, username, password: defaults < file or secret < explicit overrides; and the
    CA certificates the server is verified against (`sslrootcert`: the connection is verify-full)."""
    creds = dict(DEFAULTS)
    if credentials_file:
        try:
            creds.update(json.loads(Path(credentials_file).read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise SourceError(f"cannot read database credentials file {credentials_file}: {type(exc).__name__}") from None
    elif secret_name:
        creds.update(_read_secret(secret_name, region))
    if "user" in creds and "username" not in creds:
        creds["username"] = creds.pop("user")
    if "database" in creds and "dbname" not in creds:
        creds["dbname"] = creds.pop("database")
    creds.update({k: v for k, v in overrides.items() if v not in (None, "")})
    if not creds.get("password"):
        raise SourceError("no database password: pass --db-credentials-file or --db-secret-name")
    if not sslrootcert:
        raise SourceError("no CA certificates to verify the database against: pass --db-ssl-root-cert")
    creds["sslrootcert"] = sslrootcert
    creds["port"] = int(creds["port"])
    return creds


def credentials_from(opts):
    """The credentials a job's source-database arguments name (pipeline.yaml x-source-db-arguments)."""
    return load_credentials(
        opts["db_credentials_file"], opts["db_secret_name"], opts["region"], opts["db_ssl_root_cert"],
        host=opts["db_host"], port=opts["db_port"], dbname=opts["db_name"], username=opts["db_user"])


def describe(creds):
    return f"{creds['host']}:{creds['port']}/{creds['dbname']}"


def _first_line(exc):
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def connect(creds):
    import psycopg

    try:
        # verify-full, as every client of the pipeline: the certificate chains to sslrootcert and names the host
        return psycopg.connect(host=creds["host"], port=creds["port"], dbname=creds["dbname"],
                               user=creds["username"], password=creds["password"], connect_timeout=5,
                               sslmode="verify-full", sslrootcert=creds["sslrootcert"])
    except psycopg.Error as exc:
        raise SourceError(f"PostgreSQL at {describe(creds)} is not reachable: {_first_line(exc)}") from None


# pg_catalog, not information_schema: it lists the columns of tables the role holds no privilege on,
# and format_type gives the modifiers (numeric(12,2), character varying(20)). An enum is 'enum'; a
# domain is its base type. `filled`: the column gives rows a value of its own (a default, an identity,
# a generated column), so adding it filled the existing rows without a change event.
COLUMNS_SQL = """
SELECT c.relname, a.attname,
       CASE WHEN t.typtype = 'e' THEN 'enum'
            WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod)
            ELSE format_type(a.atttypid, a.atttypmod) END,
       a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
WHERE n.nspname = %s AND c.relname = ANY(%s) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
"""


def read_source_schema(creds, tables, schema=None):
    """({source table: {column: Postgres type}} in column order, {source table: {filled column}}) for the
    `tables` that exist."""
    schema = schema or catalog.load()["source"]["schema"]
    conn = connect(creds)
    types, filled = {}, {}
    try:
        with conn.cursor() as cur:
            cur.execute(COLUMNS_SQL, (schema, list(tables)))
            for table, column, pg_type, has_value in cur.fetchall():
                types.setdefault(table, {})[column] = pg_type
                if has_value:
                    filled.setdefault(table, set()).add(column)
    except Exception as exc:  # noqa: BLE001 - psycopg's many kinds: one line naming the database
        raise SourceError(f"cannot read the column types at {describe(creds)}: {_first_line(exc)}") from None
    finally:
        conn.close()
    return types, filled


def read_columns(creds, tables, schema=None):
    """{source table: {column: Postgres type}} in column order, for the `tables` that exist."""
    return read_source_schema(creds, tables, schema)[0]


def read_tables(creds, tables):
    """{source table: [column, ...]} -> {source table: [row tuple, ...]} at one consistent point.

    All tables are read in one REPEATABLE READ, read-only transaction, so they show the same instant."""
    import psycopg
    from psycopg import sql

    conn = connect(creds)
    out = {}
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SET LOCAL TIME ZONE 'UTC'")
            for table, columns in tables.items():
                schema, _, name = table.rpartition(".")
                ident = sql.Identifier(schema or "public", name)
                query = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(map(sql.Identifier, columns)), ident)
                try:
                    cur.execute(query)
                except psycopg.Error as exc:
                    raise SourceError(f"cannot read source table {table} at {describe(creds)}: {_first_line(exc)}") from None
                out[table] = cur.fetchall()
    finally:
        conn.close()
    return out


class SourceSchema:
    """The source tables' column types for one run: read from Postgres once, on first use.

    `credentials` is called then (a file or the Secrets Manager secret); if the database cannot be
    reached, every table answers with the reason instead, and the caller decides what that stops."""

    def __init__(self, credentials, tables=None):
        self._credentials = credentials
        self._tables = list(tables or catalog.tables())
        self._columns = None
        self._filled = {}
        self._error = None

    def columns(self, table):
        """({column: Postgres type} in the source's order, None), or (None, why it is unknown)."""
        if self._columns is None and self._error is None:
            try:
                self._columns, self._filled = read_source_schema(self._credentials(), self._tables)
            except SourceError as exc:
                self._error = str(exc)
        if self._error is not None:
            return None, self._error
        if table not in self._columns:
            return None, f"{catalog.load()['source']['schema']}.{table} does not exist in the source"
        return self._columns[table], None

    def filled(self, table):
        """The columns of `table` that give rows a value of their own (a default, an identity, generated)."""
        self.columns(table)
        return set(self._filled.get(table, ()))

    @property
    def error(self):
        """Why the column types could not be read; None when they were, or were never asked for."""
        return self._error
