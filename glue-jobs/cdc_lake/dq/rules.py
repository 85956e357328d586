"""Load and validate a data-quality rules file (dq/rules.yaml), reporting problems by line number.

Validation needs no Spark, so the CLI runs it first, before starting a job:
    python -m cdc_lake.dq.rules --validate dq/rules.yaml
prints one JSON line (rules, tables, types) and exits 0, or one line `FILE:LINE: problem` on stderr
and exits 2.
"""
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .. import catalog

REPO_DQ_DIR = Path(__file__).resolve().parents[3] / "dq"
DEFAULT_RULES = REPO_DQ_DIR / "rules.yaml"
SCHEMA_FILE = REPO_DQ_DIR / "rules.schema.json"

RULE_TYPES = (
    "row_count", "not_null", "unique", "accepted_values", "range", "regex", "freshness",
    "referential", "scd2", "reconcile_source", "gold_consistency", "schema",
)
DEFAULT_SAMPLE_LIMIT = 10


class RulesError(ValueError):
    """A rules file problem, already phrased as one line `FILE:LINE: problem`."""


@dataclass(frozen=True)
class Rule:
    name: str
    type: str
    table: str
    severity: str
    line: int
    params: dict = field(default_factory=dict)

    @property
    def key(self):
        # the key a table's sample_keys name, when a rule does not say
        return self.params.get("key") or catalog.table_keys().get(self.table, "id")

    @property
    def sample_limit(self):
        return self.params.get("sample_limit", DEFAULT_SAMPLE_LIMIT)

    def tables(self):
        """Every lake table the rule reads."""
        extra = [self.params[k] for k in ("ref_table", "silver_table") if k in self.params]
        return [self.table, *extra]


def read_text(location):
    """A rules file from a local path, a file:// URI or s3://bucket/key."""
    location = str(location)
    if location.startswith("s3://"):
        import boto3

        bucket, _, key = location[5:].partition("/")
        return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    if location.startswith("file://"):
        from urllib.parse import urlparse

        location = urlparse(location).path
    try:
        return Path(location).read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{location}: cannot read the rules file: {exc.strerror or exc}") from None


def _line_index(node, path=()):
    """{json path tuple: 1-based line} for every node of a composed YAML document."""
    import yaml

    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = path + (key_node.value,)
            lines.update(_line_index(value_node, child))
            lines[child + ("<key>",)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_line_index(item, path + (i,)))
    return lines


def _where(path):
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _schema():
    if not SCHEMA_FILE.is_file():
        return None
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _schema_problems(doc, schema):
    """(path, message) for each schema violation; [] when jsonschema or the schema is unavailable."""
    try:
        import jsonschema
    except ImportError:
        return []
    if schema is None:
        return []
    problems = []
    for error in jsonschema.Draft202012Validator(schema).iter_errors(doc):
        for leaf in _leaf_errors(error):
            # unknown fields are reported by _unknown_fields, which knows the rule's type
            if leaf.validator != "unevaluatedProperties":
                problems.append((tuple(leaf.absolute_path), leaf.message))
    return problems


def _unknown_fields(doc, schema):
    if schema is None:
        return []
    defs = schema["$defs"]
    common = set(defs["common"]["properties"])
    problems = []
    for i, rule in enumerate(doc.get("rules") or []):
        if isinstance(rule, dict) and rule.get("type") in defs:
            allowed = common | set(defs[rule["type"]].get("properties", {}))
            for k in rule:
                if k not in allowed:
                    problems.append((("rules", i, k, "<key>"),
                                     f"unknown field '{k}' for a {rule['type']} rule (allowed: {', '.join(sorted(allowed))})"))
    return problems


def _leaf_errors(error):
    if not error.context:
        return [error]
    # for if/then and oneOf, the most specific sub-errors say what is wrong
    deepest = max(len(e.absolute_path) for e in error.context)
    return [leaf for e in error.context if len(e.absolute_path) == deepest for leaf in _leaf_errors(e)]


def _semantic_problems(doc):
    problems, seen = [], {}
    for i, rule in enumerate(doc.get("rules") or []):
        if not isinstance(rule, dict):
            continue
        name = rule.get("name")
        if name in seen:
            problems.append(((("rules", i, "name")), f"duplicate rule name '{name}' (also rules[{seen[name]}])"))
        seen.setdefault(name, i)
        if rule.get("type") not in RULE_TYPES:
            problems.append((("rules", i, "type"), f"unknown rule type {rule.get('type')!r}: expected one of {', '.join(RULE_TYPES)}"))
        if rule.get("type") == "regex" and isinstance(rule.get("pattern"), str):
            import re

            try:
                re.compile(rule["pattern"])
            except re.error as exc:
                problems.append((("rules", i, "pattern"), f"invalid regular expression: {exc}"))
        lo, hi = rule.get("min"), rule.get("max")
        if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo > hi:
            problems.append((("rules", i, "min"), f"min {lo} is greater than max {hi}"))
    return problems


def parse_rules(text, source="rules.yaml"):
    """YAML text -> [Rule]. Raises RulesError naming the file, the line and the first problem."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f"{mark.line + 1}" if mark else "?"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RulesError(f"{source}:{line}: invalid YAML: {problem}") from None
    if not isinstance(doc, dict):
        raise RulesError(f"{source}:1: expected a mapping with 'version' and 'rules'")
    lines = _line_index(node)
    schema = _schema()
    # an unknown field is most often the cause of the other problems of its rule, so it comes first
    problems = _unknown_fields(doc, schema) + _schema_problems(doc, schema) + _semantic_problems(doc)
    if problems:
        def line_of(path):
            while path not in lines and path:
                path = path[:-1]
            return lines.get(path, 1)

        path, message = min(problems, key=lambda p: (line_of(p[0][:2]), "<key>" not in p[0], line_of(p[0])))
        shown = tuple(p for p in path if p != "<key>")
        raise RulesError(f"{source}:{line_of(path)}: {_where(shown)}: {message}")
    defaults = doc.get("defaults") or {}
    rules = []
    for i, raw in enumerate(doc["rules"]):
        params = {k: v for k, v in raw.items() if k not in ("name", "type", "table", "severity")}
        if "sample_limit" not in params and "sample_limit" in defaults:
            params["sample_limit"] = defaults["sample_limit"]
        rules.append(Rule(raw["name"], raw["type"], raw["table"], raw.get("severity", defaults.get("severity", "fail")),
                          lines.get(("rules", i), 0), params))
    return rules


def load_rules(location=None):
    location = str(location or DEFAULT_RULES)
    return parse_rules(read_text(location), location)


def select(rules, tables=None, types=None):
    """The rules whose table is in `tables` and type in `types` (None or empty = all)."""
    return [r for r in rules if (not tables or r.table in tables) and (not types or r.type in types)]


def _split(value):
    return [v for v in (value or "").split(",") if v]


def main(argv):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m cdc_lake.dq.rules")
    parser.add_argument("--validate", metavar="FILE", required=True)
    parser.add_argument("--table", default="", help="comma list: the selection must match a rule")
    parser.add_argument("--only", default="", help="comma list of rule types")
    opts = parser.parse_args(argv)
    try:
        rules = load_rules(opts.validate)
    except RulesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    unknown = [t for t in _split(opts.only) if t not in RULE_TYPES]
    if unknown:
        print(f"error: unknown rule type {unknown[0]!r}: expected one of {', '.join(RULE_TYPES)}", file=sys.stderr)
        return 2
    chosen = select(rules, _split(opts.table), _split(opts.only))
    if not chosen:
        print(f"error: no rule in {opts.validate} matches the selection (--table {opts.table or '*'} --only {opts.only or '*'})",
              file=sys.stderr)
        return 2
    print(json.dumps({"file": opts.validate, "rules": len(chosen), "tables": sorted({r.table for r in chosen}),
                      "types": sorted({r.type for r in chosen})}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
