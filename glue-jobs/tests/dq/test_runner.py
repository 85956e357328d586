"""run_rules over lake tables: statuses by severity, a missing table is one clear error."""
import pytest

from cdc_lake.dq import rules as dq_rules
from cdc_lake.dq import runner

from .helpers import CLEAN_HISTORY, versions

RULES = """\
version: 1
rules:
  - name: rows
    type: row_count
    table: silver_users
    min: 100
    severity: warn
  - name: scd2
    type: scd2
    table: silver_users
  - name: reconcile
    type: reconcile_source
    table: silver_users
    source_table: public.users
    columns: [id, operation]
"""


def test_statuses_follow_severity_and_source_rows_are_read_once(lake):
    versions(lake, CLEAN_HISTORY).writeTo("lake.cdc.silver_users").using("iceberg").create()
    calls = []

    def read_source(tables):
        calls.append(tables)
        return {"public.users": [(1, "u"), (2, "x")]}

    results = {r["name"]: r for r in runner.run_rules(lake, dq_rules.parse_rules(RULES), read_source)}
    assert calls == [{"public.users": ["id", "operation"]}]
    assert results["rows"]["status"] == "warn"
    assert results["scd2"]["status"] == "pass"
    assert (results["reconcile"]["status"], results["reconcile"]["sample_keys"]) == ("fail", [2])
    assert not runner.passed(results.values())


def test_an_unreachable_source_is_an_error_on_reconcile_rules_only(lake):
    versions(lake, CLEAN_HISTORY).writeTo("lake.cdc.silver_users").using("iceberg").create()

    def read_source(_tables):
        raise RuntimeError("PostgreSQL at 127.0.0.1:1/cdc_demo is not reachable")

    results = {r["name"]: r for r in runner.run_rules(lake, dq_rules.parse_rules(RULES), read_source)}
    assert results["reconcile"]["status"] == "error"
    assert "not reachable" in results["reconcile"]["message"]
    assert results["scd2"]["status"] == "pass"


def test_a_missing_table_names_the_table_the_rule_and_its_line(lake):
    with pytest.raises(runner.MissingTableError) as err:
        runner.run_rules(lake, dq_rules.parse_rules(RULES), lambda t: {})
    assert str(err.value) == ("table lake.cdc.silver_users named by rule 'rows' (line 3) does not exist: "
                              "run bronze_to_silver first")


def test_the_report_is_written_under_dq_results(tmp_path):
    uri = runner.write_report(tmp_path.as_uri(), "run-1", {"run_id": "run-1", "passed": True, "rules": []})
    assert uri == f"{tmp_path.as_uri()}/dq/results/run-1.json"
    assert (tmp_path / "dq" / "results" / "run-1.json").is_file()
