"""Apply terraform/ with envs/dev.tfvars to the emulator, plan again with zero changes, and find the
generated database password nowhere in state, plan or output."""
from __future__ import annotations

import json

from conftest import FIGURES, VAR_FILE, plan_summary


def test_apply_creates_the_whole_pipeline(applied):
    resources = applied.tf.state_resources()
    FIGURES["apply"]["in state"] = len(resources)
    assert FIGURES["apply"]["resources"] == len(resources)
    # One of each component the rest of the suite relies on.
    for address in ("module.rds.aws_db_instance.this", "module.kafka.aws_ebs_volume.data",
                    'module.glue.aws_glue_job.this["data-quality"]', "module.airflow.module.service.aws_iam_role.task",
                    "module.monitoring.aws_cloudwatch_dashboard.pipeline"):
        assert address in resources


def test_a_second_plan_has_no_changes(applied):
    proc = applied.tf.timed("re-plan", "plan", "-detailed-exitcode", "-no-color", f"-var-file={VAR_FILE}", "-out=replan.tfplan")
    FIGURES["re-plan"]["result"] = plan_summary(proc.stdout)
    assert proc.returncode == 0, f"exit {proc.returncode} (2 = changes):\n" + proc.stdout[-6000:] + proc.stderr[-2000:]
    changes = json.loads(applied.tf.run("show", "-json", "replan.tfplan").stdout).get("resource_changes", [])
    FIGURES["re-plan"]["changes"] = sum(1 for c in changes if c["change"]["actions"] != ["no-op"])
    assert FIGURES["re-plan"]["changes"] == 0


def test_the_generated_password_is_in_no_state_plan_output_or_log(applied):
    secret = applied.moto.client("secretsmanager").get_secret_value(SecretId="db-credentials")
    password = json.loads(secret["SecretString"])["password"]
    assert len(password) == 32 and password.isalnum()

    shown = applied.tf.run("show", "-json").stdout
    state = (applied.tf.workdir / "terraform.tfstate").read_text()
    plan = applied.tf.run("show", "-json", "replan.tfplan").stdout
    outputs = applied.tf.run("output", "-json").stdout
    logs = {log.name: log.read_text() for log in applied.tf.logs}
    for name, text in {"show -json": shown, "terraform.tfstate": state, "plan": plan, "outputs": outputs, **logs}.items():
        assert password not in text, f"the database password is in {name}"

    # Word by word: no attribute named like a password or a secret's value holds a string.
    leaks = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if any(w in key for w in ("password", "secret_string")) and isinstance(value, str) and value not in ("",):
                    leaks.append(f"{path}.{key}")
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    for resource in json.loads(shown)["values"]["root_module"].get("child_modules", []):
        walk(resource, resource["address"])
    assert not leaks, leaks
