"""cdc_lake.source_db against the running local Postgres (skipped when the local stack was never started)."""
import functools
import json
import subprocess
import uuid
from pathlib import Path

import pytest

from cdc_lake import source_db as source

REPO = Path(__file__).resolve().parents[2]
CREDENTIALS = REPO / ".cdcctl" / "secrets" / "postgres.json"
LOCAL_CA = str(REPO / ".cdcctl" / "tls" / "ca.pem")

pytestmark = pytest.mark.skipif(not CREDENTIALS.is_file(), reason="local stack not started (no .cdcctl/secrets/postgres.json)")


@functools.cache
def local_postgres():
    """Where `cdcctl local up` runs Postgres: the resolved profile's endpoint, not a fixed port."""
    out = subprocess.run(["node", str(REPO / "bin" / "run.js"), "config", "show", "--json"], cwd=REPO,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    pg = json.loads(out)["result"]["postgres"]
    return {"host": pg["host"], "port": str(pg["port"]), "dbname": pg["database"], "username": pg["user"]}


def test_reads_source_tables_in_one_consistent_transaction():
    import psycopg

    creds = source.load_credentials(str(CREDENTIALS), sslrootcert=LOCAL_CA, **local_postgres())
    connect = dict(host=creds["host"], port=creds["port"], dbname=creds["dbname"], user=creds["username"],
                   password=creds["password"], sslmode="verify-full", sslrootcert=LOCAL_CA)
    with psycopg.connect(**connect) as conn:  # a row of its own: no test's leftovers needed
        user_id = conn.execute("INSERT INTO users (email) VALUES (%s) RETURNING id", [f"src-{uuid.uuid4().hex}@x.io"]).fetchone()[0]
    try:
        rows = source.read_tables(creds, {"public.users": ["id", "email"], "orders": ["id", "user_id"]})
    finally:
        with psycopg.connect(**connect) as conn:
            conn.execute("DELETE FROM users WHERE id = %s", [user_id])
    assert set(rows) == {"public.users", "orders"}
    user_ids = {r[0] for r in rows["public.users"]}
    assert user_id in user_ids
    assert {r[1] for r in rows["orders"]} <= user_ids  # one snapshot: every order's user is there


def test_the_connection_is_verified_against_the_ca_it_is_given(tmp_path):
    other = tmp_path / "other-ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "k"),
                    "-out", str(other), "-days", "1", "-subj", "/CN=not the local CA"], check=True, capture_output=True)
    creds = source.load_credentials(str(CREDENTIALS), sslrootcert=str(other), **local_postgres())
    with pytest.raises(source.SourceError, match="not reachable: .*certificate verify failed"):
        source.read_tables(creds, {"public.users": ["id"]})


def test_an_unknown_source_column_is_one_line_without_the_password():
    creds = source.load_credentials(str(CREDENTIALS), sslrootcert=LOCAL_CA, **local_postgres())
    with pytest.raises(source.SourceError) as err:
        source.read_tables(creds, {"public.users": ["id", "no_such_column"]})
    message = str(err.value)
    assert "no_such_column" in message and "\n" not in message
    assert creds["password"] not in message


def test_an_unreachable_database_is_one_line_naming_host_and_port(tmp_path):
    file = tmp_path / "pg.json"
    file.write_text(json.dumps({"password": "not-the-real-one"}))
    creds = source.load_credentials(str(file), sslrootcert=LOCAL_CA, port="1")
    with pytest.raises(source.SourceError) as err:
        source.read_tables(creds, {"public.users": ["id"]})
    assert "127.0.0.1:1/cdc_demo is not reachable" in str(err.value)
    assert "not-the-real-one" not in str(err.value)
