"""`cdcctl deploy --profile aws` applies terraform/ with envs/dev.tfvars to the emulator: the whole
pipeline is in state (in the state bucket), the outputs are stored in the profile, the job scripts,
cdc_lake.zip, the DAGs and the RDS CA bundle are in the lake, the ECS services were waited for, the
saved plan file was the owner's alone and is gone. `cdcctl plan` then has zero changes, and the
generated database passwords are nowhere in state, plan, output, log or anything cdcctl wrote."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

import yaml

from conftest import BACKEND, FIGURES, ROOT

STEPS = ["preflight", "init", "plan", "show", "apply", "outputs", "upload", "services"]


def test_deploy_applies_the_whole_pipeline(applied):
    result = applied.deployed.result
    assert [f"{s['step']}:{s['status']}" for s in result["steps"]] == [f"{s}:ok" for s in STEPS]
    assert result["env"] == "dev" and result["dryRun"] is False
    assert result["preflight"]["account"] == "123456789012" and result["preflight"]["region"] == "ap-south-1"
    resources = applied.tf.state_resources()
    FIGURES["apply"]["in state"] = len(resources)
    assert FIGURES["apply"]["resources"] == len(resources)
    assert result["plan"]["add"] == len(resources) and result["plan"]["change"] == 0 and result["plan"]["destroy"] == 0
    # One of each component the rest of the suite relies on.
    for address in ("module.rds.aws_db_instance.this", "module.kafka.aws_ebs_volume.data",
                    'module.glue.aws_glue_job.this["data-quality"]', "module.airflow.module.service.aws_iam_role.task",
                    "module.monitoring.aws_cloudwatch_dashboard.pipeline"):
        assert address in resources
    # The state is where the real backend keeps it: the state bucket of envs/dev.backend.hcl.
    state = json.loads(applied.moto.client("s3").get_object(Bucket=BACKEND["bucket"], Key=BACKEND["key"])["Body"].read())
    assert len([r for r in state["resources"] if r["mode"] == "managed"]) > 0
    assert not (applied.tf.workdir / "terraform.tfstate").exists()


def test_the_saved_plan_file_was_the_owners_alone_and_is_gone_after_apply(applied):
    assert applied.deployed.plan_file_modes == {0o600}, f"modes seen while apply ran: {sorted(oct(m) for m in applied.deployed.plan_file_modes)}"
    assert not (applied.cli.env_dir / "tfplan").exists()


def test_the_outputs_are_stored_in_the_profile(applied):
    outputs = applied.tf.outputs()
    shown = applied.cli.run("config", "show", "--profile", "aws", "--json")
    assert shown.returncode == 0, shown.stderr
    profile = applied.cli.json(shown)["result"]
    assert profile["connect"]["url"] == outputs["connect_url"]
    assert profile["storage"]["root"] == f"s3://{outputs['data_lake_bucket']}"
    assert profile["glue"]["jobNames"] == outputs["glue_job_names"]
    assert profile["postgres"]["secretName"] == outputs["db_secret_name"]
    assert profile["region"] == outputs["region"]

    stored = applied.cli.run("outputs", "--profile", "aws", "--json")
    assert stored.returncode == 0, stored.stderr
    view = applied.cli.json(stored)["result"]
    assert view["source"] == "stored"
    assert view["outputs"]["connect_url"] == outputs["connect_url"]
    assert view["profileFile"] == str(applied.cli.state_dir / "outputs" / "aws.json")
    refreshed = applied.cli.run("outputs", "--profile", "aws", "--refresh", "--json")
    assert refreshed.returncode == 0, refreshed.stderr
    view = applied.cli.json(refreshed)["result"]
    assert view["source"] == "terraform" and view["outputs"]["ecs_service_names"] == outputs["ecs_service_names"]


def test_the_job_scripts_dags_zip_and_rds_ca_are_in_the_lake(applied):
    bucket = applied.tf.outputs()["data_lake_bucket"]
    s3 = applied.moto.client("s3")
    keys = {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket) for o in page.get("Contents", [])}
    scripts = {f"scripts/{p.name}" for p in (ROOT / "glue-jobs").glob("*.py")} | {f"dags/{p.name}" for p in (ROOT / "airflow" / "dags").glob("*.py")}
    expected = scripts | {"scripts/cdc_lake.zip", "scripts/rds-ca.pem"}
    assert len(scripts) > 4
    assert expected <= keys, sorted(expected - keys)
    assert sorted(applied.deployed.result["upload"]["uploaded"]) == sorted(expected)

    body = lambda key: s3.get_object(Bucket=bucket, Key=key)["Body"].read()  # noqa: E731
    for key in scripts:
        folder = "glue-jobs" if key.startswith("scripts/") else "airflow/dags"
        assert body(key) == (ROOT / folder / key.split("/", 1)[1]).read_bytes(), key
    config = json.loads((applied.cli.home / "cdcctl.config.json").read_text())
    assert body("scripts/rds-ca.pem") == open(config["profiles"]["aws"]["postgres"]["caFile"], "rb").read()
    archive = zipfile.ZipFile(io.BytesIO(body("scripts/cdc_lake.zip")))
    assert archive.testzip() is None
    names = archive.namelist()
    assert "cdc_lake/__init__.py" in names and names == sorted(names)
    assert not [n for n in names if "__pycache__" in n]
    manifest = json.loads(body("scripts/.manifest.json"))
    assert manifest == {key: hashlib.sha256(body(key)).hexdigest() for key in expected}


def test_deploy_waited_for_the_ecs_services_the_outputs_name(applied):
    outputs = applied.tf.outputs()
    names = sorted(outputs["ecs_service_names"].values())
    services = applied.deployed.result["services"]
    assert sorted(s["service"] for s in services) == names
    for s in services:
        assert s["stable"] and s["running"] == s["desired"] >= 1, s
    # moto had started no task of them: deploy could only be done once the test started them.
    assert sorted(applied.deployed.started) == names
    assert all(before.startswith("running 0/") for before in applied.deployed.started.values()), applied.deployed.started
    described = applied.moto.client("ecs").describe_services(cluster=outputs["ecs_cluster_name"], services=names)["services"]
    assert {s["serviceName"]: s["runningCount"] for s in described} == {s["service"]: s["running"] for s in services}


def test_the_connect_task_runs_with_the_catalogs_worker_settings(applied):
    """pipeline.yaml connect.worker reaches the ECS worker as CONNECT_<NAME>, which the image's
    entrypoint turns back into the property: the same settings as the local workers."""
    outputs = applied.tf.outputs()
    ecs = applied.moto.client("ecs")
    service, = ecs.describe_services(cluster=outputs["ecs_cluster_name"], services=[outputs["ecs_service_names"]["debezium"]])["services"]
    container, = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]["containerDefinitions"]
    env = {e["name"]: e["value"] for e in container["environment"]}
    worker = yaml.safe_load((ROOT / "pipeline.yaml").read_text())["connect"]["worker"]
    assert worker["offset.flush.interval.ms"] == "1000"
    for prop, value in worker.items():
        assert env["CONNECT_" + prop.upper().replace(".", "_")] == value


def test_plan_against_the_applied_stack_has_no_changes(applied):
    proc = applied.cli.timed("re-plan", "plan", "--profile", "aws", "--json")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    plan = applied.cli.json(proc)["result"]["plan"]
    FIGURES["re-plan"]["changes"] = len(plan["resources"])
    assert plan["resources"] == [], plan["resources"]
    assert (plan["add"], plan["change"], plan["destroy"]) == (0, 0, 0)


def test_deploy_dry_run_plans_and_changes_nothing(applied):
    stored = applied.cli.state_dir / "outputs" / "aws.json"
    before = stored.read_text()
    proc = applied.cli.run("deploy", "--profile", "aws", "--dry-run", "--json")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = applied.cli.json(proc)["result"]
    assert [f"{s['step']}:{s['status']}" for s in result["steps"]] == [f"{s}:ok" for s in STEPS[:4]] + [f"{s}:skipped" for s in STEPS[4:]]
    assert result["plan"]["resources"] == [] and result["upload"] is None and result["outputsFile"] is None
    assert stored.read_text() == before


def test_the_generated_passwords_are_in_no_state_plan_output_log_or_cli_file(applied):
    sm = applied.moto.client("secretsmanager")
    passwords = {}
    for secret in sm.list_secrets()["SecretList"]:
        value = json.loads(sm.get_secret_value(SecretId=secret["ARN"])["SecretString"])
        if "password" in value:
            passwords[secret["Name"]] = value["password"]
    assert "db-credentials" in passwords and len(passwords) >= 3, sorted(passwords)
    for password in passwords.values():
        assert len(password) == 32 and password.isalnum()

    shown = applied.tf.run("show", "-json").stdout
    state = applied.moto.client("s3").get_object(Bucket=BACKEND["bucket"], Key=BACKEND["key"])["Body"].read().decode()
    # The plan file cdcctl plan and deploy --dry-run leave for the operator to read.
    plan = applied.tf.run("show", "-json", str(applied.cli.env_dir / "tfplan")).stdout
    outputs = applied.tf.run("output", "-json").stdout
    texts = {"show -json": shown, "state in the state bucket": state, "plan": plan, "outputs": outputs}
    texts |= {log.name: log.read_text() for log in applied.tf.logs}
    texts |= {f"cdcctl {' '.join(r.args[1:3])} #{i}": r.stdout + r.stderr for i, r in enumerate(applied.cli.runs)}
    providers = applied.cli.env_dir / "data" / "providers"
    files = [f for f in applied.cli.state_dir.rglob("*") if f.is_file() and providers not in f.parents]
    assert any(f.name == "terraform-apply.log" for f in files) and any(f.name == "aws.json" for f in files)
    texts |= {str(f.relative_to(applied.cli.home)): f.read_bytes().decode(errors="replace") for f in files}
    for name, text in texts.items():
        for secret, password in passwords.items():
            assert password not in text, f"the password of {secret} is in {name}"

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
