"""The entry scripts, run in-process against the suite's warehouse."""
import importlib.util
import json
from pathlib import Path

import pytest

from cdc_lake import args as job_args
from cdc_lake.bronze import ensure_bronze_table, ingest_batch
from cdc_lake.entry import run
from conftest import envelope, kafka_record
from scd2_helpers import user

JOBS = Path(__file__).resolve().parents[1]


def load_job(name):
    spec = importlib.util.spec_from_file_location(name, JOBS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_args_follow_the_catalog_with_defaults_and_underscored_keys():
    opts = job_args.parse(["job", "--storage-root", "file:///r", "--tables", "users"], "bronze-to-silver")
    assert opts == {"storage_root": "file:///r", "catalog": "local", "job_run_id": None, "label": "", "tables": "users",
                    "allow": "", "db_credentials_file": None, "db_host": None, "db_port": None, "db_name": None,
                    "db_user": None, "db_secret_name": None, "region": None, "db_ssl_root_cert": None}


@pytest.mark.parametrize("argv", [
    [],  # --storage-root is required
    ["--storage-root", "file:///r", "--no-such-argument", "x"],  # not in the catalog: an error, never dropped
    ["--storage-root", "file:///r", "--retain-last", "0"],  # below the catalog's minimum
    ["--storage-root", "file:///r", "--retain-days", "soon"],  # not a number
])
def test_args_outside_the_catalog_are_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        job_args.parse(["job", *argv], "lake-maintenance")
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_missing_input_table_is_one_line_error_and_exit_1(lake, storage_root, capsys):
    job = load_job("silver_to_gold")
    status = run(job.__file__, job.main, ["silver_to_gold", "--storage-root", storage_root, "--job-run-id", "s2g-1"])
    out, err = capsys.readouterr()
    assert status == 1
    summary = json.loads(out.strip())
    assert (summary["status"], summary["error"]) == (
        "failed", "MissingTableError: silver table lake.cdc.silver_users does not exist: run bronze_to_silver first")
    assert err.strip().startswith("error: MissingTableError") and "Traceback" not in err


def test_every_run_writes_its_summary_under_the_storage_root(lake, storage_root, capsys):
    job = load_job("silver_to_gold")
    run(job.__file__, job.main, ["silver_to_gold", "--storage-root", storage_root, "--job-run-id", "s2g-2"])
    printed = json.loads(capsys.readouterr().out.strip())
    written = json.loads((Path(storage_root.removeprefix("file://")) / "jobs" / "s2g-2.json").read_text())
    assert written == printed
    assert (written["job"], written["job_run_id"], written["status"]) == ("silver-to-gold", "s2g-2", "failed")


def test_bronze_to_silver_then_gold_print_one_json_summary(lake, kafka_df, storage_root, capsys):
    ensure_bronze_table(lake)
    order = {"id": 1, "user_id": 1, "product_id": 1, "quantity": 2, "total_amount": "39.98", "status": "paid",
             "order_date": "2026-11-25T10:00:00Z", "updated_at": "2026-11-25T10:00:00Z"}
    product = {"id": 1, "name": "Lamp", "category": "home", "price": "19.99", "status": "active",
               "description": "d", "created_at": "2026-11-25T09:00:00Z", "updated_at": "2026-11-25T09:00:00Z"}
    ingest_batch(lake, kafka_df([
        kafka_record(envelope("users", "c", after=user(1, "a@x.io"), lsn=1), 1),
        kafka_record(envelope("products", "c", after=product, lsn=2), 1, topic="cdc.db.products"),
        kafka_record(envelope("orders", "c", after=order, lsn=3), 1, topic="cdc.db.orders"),
    ]), 0, storage_root, "run")
    b2s, s2g = load_job("bronze_to_silver"), load_job("silver_to_gold")
    assert run(b2s.__file__, b2s.main, ["b2s", "--storage-root", storage_root]) == 0
    summary = json.loads(capsys.readouterr().out.strip())
    assert (summary["rows_read"], summary["rows_written"]) == (3, 3)
    assert set(summary["watermark"]) == {"silver_users", "silver_products", "silver_orders"}

    assert run(s2g.__file__, s2g.main, ["s2g", "--storage-root", storage_root, "--as-of", "2026-11-26"]) == 0
    summary = json.loads(capsys.readouterr().out.strip())
    assert summary["tables"] == {"gold_user_analytics": 1, "gold_product_analytics": 1, "gold_sales_summary": 1}
    row = lake.table("lake.cdc.gold_product_analytics").first()
    assert (row.units, str(row.revenue), row.performance_tier) == (2, "39.98", "low")


def test_a_malformed_as_of_date_is_a_usage_error_before_the_job_starts(capsys):
    # the catalog declares as-of a date: 2026-13-45 is refused by the argument parser, exit 2
    job = load_job("silver_to_gold")
    with pytest.raises(SystemExit) as exc:
        run(job.__file__, job.main, ["s2g", "--storage-root", "file:///r", "--as-of", "2026-13-45"])
    assert exc.value.code == 2
    assert "--as-of: '2026-13-45' is not a date (YYYY-MM-DD)" in capsys.readouterr().err


def test_a_spark_error_is_reported_once_as_one_line(spark, storage_root, capsys):
    def main(_opts):
        spark.sql("SELECT CAST('x' AS INT)").collect()
    job = load_job("silver_to_gold")
    assert run(job.__file__, main, ["job", "--storage-root", storage_root]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out.strip())["error"].startswith("NumberFormatException: [CAST_INVALID_INPUT]")
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")
