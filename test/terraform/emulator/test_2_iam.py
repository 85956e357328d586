"""IAM derived from what runs, proved under enforcement: moto authorizes every call against the
roles Terraform made; each task of the DAG (pipeline.yaml's orchestration, notify and cleanup)
runs its AWS calls as the Airflow task role, with the environment the Airflow task definition
gives it; the data-quality job's needs run as the Glue role. Removing one required action from a
role makes the task that needs it fail.

What moto's enforcement does and does not check (moto 5.2), and what the test does about it:
- Actions: checked for every service. This is what the removal tests prove.
- Resources: checked for S3 only (object and bucket ARNs); every other service asks with resource
  "*", so a statement scoped to an ARN would never match. The roles' policies are therefore put to
  moto in an "emulator view": the same statements, non-S3 resources widened to "*". Before that, the
  test checks that every ARN in the policies Terraform made is a resource that exists.
- Conditions: not evaluated (no request context); the ListBucket s3:prefix condition always passes.
- KMS: S3 and Secrets Manager do not call KMS as the caller in moto, so kms:Decrypt and
  kms:GenerateDataKey on the pipeline key are not proved here (terraform test and a real account do).
- Resource policies: the lake's bucket policy is the override's emulator stand-in (see
  test/terraform/overrides/modules/s3)."""
from __future__ import annotations

import json

import pytest

from conftest import REGION
from dag_tasks import CATALOG
from dag_tasks import Iam, airflow_reads_role_secrets, aws_calls_of, glue_reads_secret, orchestrated_tasks, probe, run_task, task


@pytest.fixture(scope="module")
def iam(applied, workdir):
    env = Iam(applied, workdir)
    for name, role in env.roles.items():
        env.moto.client("iam").put_role_policy(RoleName=role.name, PolicyName=role.policy_name, PolicyDocument=json.dumps(role.emulator_view()))
    # A Glue job run stays a second in each state (STARTING, RUNNING), as a run is seen to progress
    # on AWS; moto's default ends it at once, before a stand-in report could be written for it.
    env.moto.set_transition("glue::job_run", {"progression": "time", "seconds": 1})
    env.moto.enforce_iam(True)
    yield env
    env.moto.enforce_iam(False)
    env.moto.set_transition("glue::job_run", None)
    for role in env.roles.values():  # as Terraform made them, so later plans see no drift
        env.moto.client("iam").put_role_policy(RoleName=role.name, PolicyName=role.policy_name, PolicyDocument=json.dumps(role.document))


# ---- the roles Terraform made point at real resources ----

def test_every_resource_in_the_roles_policies_exists(iam):
    admin = iam.admin_client
    secret_arn = admin("secretsmanager").describe_secret(SecretId=iam.outputs["db_secret_name"])["ARN"]
    role_secret_arns = {admin("secretsmanager").describe_secret(SecretId=n)["ARN"] for n in iam.outputs["db_role_secret_names"].values()}
    job_arns = {f"arn:aws:glue:{REGION}:123456789012:job/{n}" for n in iam.outputs["glue_job_names"].values()}
    topics = {t["TopicArn"] for t in admin("sns").list_topics()["Topics"]}
    key_arn = iam.resources["aws_kms_key.pipeline"]["arn"]
    bucket_arn = f"arn:aws:s3:::{iam.outputs['data_lake_bucket']}"
    unknown = []
    for role in iam.roles.values():
        for st in role.document["Statement"]:
            for r in st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]:
                known = (r == secret_arn or r in role_secret_arns or r in job_arns or r in topics or r == key_arn or r == bucket_arn
                         or r.startswith(bucket_arn + "/") or r.startswith(f"arn:aws:logs:{REGION}:123456789012:log-group:")
                         or r.startswith(f"arn:aws:ecs:{REGION}:123456789012:service/{iam.outputs['ecs_cluster_name']}/")
                         or r.startswith(f"arn:aws:glue:{REGION}:123456789012:") or r.startswith(f"arn:aws:ec2:{REGION}:123456789012:")
                         or r == "*" and st.get("Sid") in ("EcsExec", "EcsExecLogGroup", "JobMetrics", "VpcDescribe"))
                if not known:
                    unknown.append(f"{role.name} {st.get('Sid')}: {r}")
    assert not unknown, unknown
    airflow = {st["Sid"]: st for st in iam.roles["airflow"].document["Statement"]}
    assert airflow["ReadDbSecret0"]["Resource"] == secret_arn
    assert set(airflow["StartJobs0"]["Resource"]) == job_arns
    assert set(airflow["ReadDbRoleSecrets0"]["Resource"]) == role_secret_arns
    glue = {st["Sid"]: st for st in iam.roles["glue"].document["Statement"]}
    quality = admin("secretsmanager").describe_secret(SecretId=iam.outputs["db_role_secret_names"][CATALOG["source"]["roles"]["quality"]])["ARN"]
    assert glue["ReadQualitySecret0"]["Resource"] in (quality, [quality]), "the Glue jobs read the read-only role's secret, never the master's"


def test_the_airflow_task_gives_the_cli_the_secret_name_region_and_job_names(iam):
    assert iam.cli_env["CDCCTL_DB_SECRET_NAME"] == iam.outputs["db_secret_name"]
    assert iam.cli_env["AWS_REGION"] == REGION
    config = json.loads((iam.cli_home / "cdcctl.config.json").read_text())
    assert config["profiles"]["aws"]["glue"]["jobNames"] == iam.outputs["glue_job_names"]


# ---- every task of the DAG, as the Airflow task role ----

@pytest.mark.parametrize("task_id", [t["id"] for t in orchestrated_tasks()])
def test_each_dag_task_runs_its_aws_calls_as_the_airflow_task_role(iam, task_id):
    t = task(task_id)
    if not aws_calls_of(t["command"]):
        pytest.skip(f"`{t['command']}` makes no AWS call (Kafka or Connect only); the catalog grants it none")
    ok, detail = run_task(iam, t)
    iam.settle_job_runs()
    assert ok, f"{task_id} (`{t['command']}`, needs {aws_calls_of(t['command'])}) failed as the Airflow task role: {detail}"


def test_the_data_quality_job_reads_the_source_secret_as_the_glue_role(iam):
    ok, detail = glue_reads_secret(iam)
    assert ok, detail


def test_connector_register_reads_the_roles_secrets_as_the_airflow_task_role(iam):
    # No removal test: in the emulator view ReadDbSecret's GetSecretValue is widened to "*" and would
    # still allow it; that the two statements name different secrets is checked on the ARNs above.
    ok, detail = airflow_reads_role_secrets(iam)
    assert ok, detail


# ---- removing one required action fails the task that needs it ----

REMOVALS = [
    # role, sid prefix (catalog permission), action, task, what the failure says
    # Emulator gap: moto asks Secrets Manager calls with resource "*", so the emulator view widens
    # ReadDbRoleSecrets (the roles' secrets) to every secret, the master's included: GetSecretValue
    # comes out of both statements ("ReadDb*"), or the master secret stays readable through the other.
    ("airflow", "ReadDb", "secretsmanager:GetSecretValue", "setup_debezium_connector", "SECRET_UNAVAILABLE"),
    ("airflow", "StartJobs", "glue:StartJobRun", "bronze_to_silver", "GLUE_ERROR"),
    ("airflow", "ReadJobs", "glue:GetJobRun", "silver_to_gold", "RUN_NOT_FOUND"),
    ("airflow", "StageDqRules", "s3:PutObject", "data_quality_check", "S3_ERROR"),
    ("airflow", "ReadDqResults", "s3:GetObject", "gold_quality_check", "S3_ERROR"),
    ("airflow", "PublishAlerts", "sns:Publish", "notify", "NOTIFY_FAILED"),
    ("airflow", "StopJobs", "glue:BatchStopJobRun", "cleanup", "AccessDenied"),
    ("glue", "ReadQualitySecret", "secretsmanager:GetSecretValue", "data-quality job", "AccessDenied"),
]


@pytest.mark.parametrize("role,action", sorted({(r[0], r[2]) for r in REMOVALS if r[3] != "data-quality job"}))
def test_each_probe_is_allowed_with_the_whole_policy(iam, role, action):
    # The control of the removal tests below: with nothing removed, the same call is not refused.
    try:
        assert probe(iam, role, action) != "AccessDenied"
    finally:
        iam.settle_job_runs()


@pytest.mark.parametrize("role,sid,action,task_id,failure", REMOVALS, ids=[f"{r[0]}-without-{r[2]}" for r in REMOVALS])
def test_removing_a_required_action_fails_the_task(iam, role, sid, action, task_id, failure):
    document = iam.roles[role].document
    assert any(st.get("Sid", "").startswith(sid) and action in st["Action"] for st in document["Statement"]), \
        f"{role} role has no {action} in {sid}* to remove"
    iam.put_policy(role, iam.roles[role].emulator_view(without=(sid, action)))
    try:
        ok, detail = glue_reads_secret(iam) if task_id == "data-quality job" else run_task(iam, task(task_id))
        refused = probe(iam, role, action) if task_id != "data-quality job" else detail
    finally:
        iam.put_policy(role, iam.roles[role].emulator_view())
        iam.settle_job_runs()
    assert not ok, f"{task_id} still succeeded without {action}: {detail}"
    assert failure in detail, f"{task_id} failed, but not as expected ({failure}): {detail}"
    assert refused == "AccessDenied", f"{action} itself was not refused ({refused}): the task failed for another reason"
    print(f"{role} without {action}: {task_id} fails ({failure}); {action} is refused")
