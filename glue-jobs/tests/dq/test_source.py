"""source.py against the running local Postgres (skipped when the local stack was never started)."""
import functools
import json
import subprocess
from pathlib import Path

import pytest

from cdc_lake.dq import source

REPO = Path(__file__).resolve().parents[3]
CREDENTIALS = REPO / ".cdcctl" / "secrets" / "postgres.json"

pytestmark = pytest.mark.skipif(not CREDENTIALS.is_file(), reason="local stack not started (no .cdcctl/secrets/postgres.json)")


@functools.cache
def local_postgres():
    """Where `cdcctl local up` runs Postgres: the resolved profile's endpoint, not a fixed port."""
    out = subprocess.run(["node", str(REPO / "bin" / "run.js"), "config", "show", "--json"], cwd=REPO,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    pg = json.loads(out)["result"]["postgres"]
    return {"host": pg["host"], "port": str(pg["port"]), "dbname": pg["database"], "username": pg["user"]}


def test_reads_source_tables_in_one_consistent_transaction():
    creds = source.load_credentials(str(CREDENTIALS), **local_postgres())
    rows = source.read_tables(creds, {"public.users": ["id", "email"], "orders": ["id", "user_id"]})
    assert set(rows) == {"public.users", "orders"}
    user_ids = {r[0] for r in rows["public.users"]}
    assert user_ids, "the local source has no users: run cdcctl demo"
    assert {r[1] for r in rows["orders"]} <= user_ids  # one snapshot: every order's user is there


def test_an_unknown_source_column_is_one_line_without_the_password():
    creds = source.load_credentials(str(CREDENTIALS), **local_postgres())
    with pytest.raises(source.SourceError) as err:
        source.read_tables(creds, {"public.users": ["id", "no_such_column"]})
    message = str(err.value)
    assert "no_such_column" in message and "\n" not in message
    assert creds["password"] not in message


def test_an_unreachable_database_is_one_line_naming_host_and_port(tmp_path):
    file = tmp_path / "pg.json"
    file.write_text(json.dumps({"password": "not-the-real-one"}))
    creds = source.load_credentials(str(file), port="1")
    with pytest.raises(source.SourceError) as err:
        source.read_tables(creds, {"public.users": ["id"]})
    assert "127.0.0.1:1/cdc_demo is not reachable" in str(err.value)
    assert "not-the-real-one" not in str(err.value)
