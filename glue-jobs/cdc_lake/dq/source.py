"""The Postgres side of reconcile_source: credentials and one consistent read of the source tables.

All tables are read in one REPEATABLE READ, read-only transaction, so they show the same instant.
The pipeline is asynchronous, so that instant is only comparable with silver once the jobs have
caught up with a quiesced source; reconcile reports the keys that differ either way.
"""
import json
from pathlib import Path

from .. import catalog

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


def describe(creds):
    return f"{creds['host']}:{creds['port']}/{creds['dbname']}"


def read_tables(creds, tables):
    """{source table: [column, ...]} -> {source table: [row tuple, ...]} at one consistent point."""
    import psycopg
    from psycopg import sql

    try:
        # verify-full, as every client of the pipeline: the certificate chains to sslrootcert and names the host
        conn = psycopg.connect(host=creds["host"], port=creds["port"], dbname=creds["dbname"],
                               user=creds["username"], password=creds["password"], connect_timeout=5,
                               sslmode="verify-full", sslrootcert=creds["sslrootcert"])
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SourceError(f"PostgreSQL at {describe(creds)} is not reachable: {first}") from None
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
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    raise SourceError(f"cannot read source table {table} at {describe(creds)}: {first}") from None
                out[table] = cur.fetchall()
    finally:
        conn.close()
    return out
