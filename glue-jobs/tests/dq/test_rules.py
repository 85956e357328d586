"""Rules files: the default one is valid; a typo is one line naming the file, the line and the problem."""
import pytest

from cdc_lake.dq import rules as dq_rules

GOOD = """\
version: 1
rules:
  - name: users.rows
    type: row_count
    table: silver_users
    min: 1
  - name: users.email
    type: not_null
    table: silver_users
    columns: [email]
    severity: warn
"""


def test_the_default_rules_file_is_valid_and_covers_every_rule_type():
    rules = dq_rules.load_rules()
    assert {r.type for r in rules} == set(dq_rules.RULE_TYPES)
    assert {"silver_users", "silver_products", "silver_orders", "gold_sales_summary"} <= {r.table for r in rules}


def test_rules_keep_their_line_severity_and_defaults():
    rows, email = dq_rules.parse_rules(GOOD, "r.yaml")
    assert (rows.line, rows.severity, rows.params) == (3, "fail", {"min": 1})
    assert (email.line, email.severity, email.key) == (7, "warn", "id")


@pytest.mark.parametrize("broken, line, words", [
    (GOOD.replace("type: row_count", "type: row_cont"), 4, "'row_cont' is not one of"),
    (GOOD.replace("columns: [email]", "colums: [email]"), 10, "unknown field 'colums'"),
    (GOOD.replace("severity: warn", "severity: fatal"), 11, "'fatal' is not one of"),
    (GOOD.replace("min: 1", "min: [1"), 7, "invalid YAML"),
    (GOOD.replace("name: users.email", "name: users.rows"), 7, "duplicate rule name"),
])
def test_a_broken_rule_is_reported_with_its_file_and_line(broken, line, words):
    with pytest.raises(dq_rules.RulesError) as err:
        dq_rules.parse_rules(broken, "r.yaml")
    message = str(err.value)
    assert message.startswith(f"r.yaml:{line}: "), message
    assert words in message and "\n" not in message


def test_validate_cli_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "rules.yaml"
    bad.write_text(GOOD.replace("type: row_count", "type: row_cont"))
    assert dq_rules.main(["--validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {bad}:4: ") and "\n" not in err


def test_validate_cli_rejects_a_selection_that_matches_nothing(tmp_path, capsys):
    good = tmp_path / "rules.yaml"
    good.write_text(GOOD)
    assert dq_rules.main(["--validate", str(good), "--only", "row_count"]) == 0
    assert dq_rules.main(["--validate", str(good), "--table", "silver_nope"]) == 2
    assert dq_rules.main(["--validate", str(good), "--only", "nonsense"]) == 2
