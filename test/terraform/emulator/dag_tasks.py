"""Running the DAG's tasks as the roles Terraform made, on the emulator: the roles and their
"emulator view" (see test_2_iam.py), the Airflow task's environment for cdcctl, each task's AWS
calls, and a stand-in for the data-quality job's report."""
from __future__ import annotations

import ast
import copy
import json
import os
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from botocore.exceptions import ClientError

from conftest import ROOT

CATALOG = yaml.safe_load((ROOT / "pipeline.yaml").read_text())
DAG = ROOT / "airflow" / "dags" / "cdc_pipeline_orchestration.py"
CLI = ROOT / "bin" / "run.js"
WRITE_CONFIG = ROOT / "docker" / "airflow" / "write-config.js"


def dag_env_mapping() -> dict[str, str]:
    """The DAG's TERRAFORM_ENV (CDC_* of the task definition -> CDCCTL_* the CLI reads), read without importing Airflow."""
    for node in ast.walk(ast.parse(DAG.read_text())):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "TERRAFORM_ENV" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("TERRAFORM_ENV not found in the DAG")


def orchestrated_tasks() -> list[dict]:
    """Every task the DAG runs, as the catalog lists them, with notify and cleanup."""
    orch = CATALOG["orchestration"]
    return orch["tasks"] + [{"id": "notify", "command": orch["notify"]}, {"id": "cleanup", "command": orch["cleanup"]}]


def task(task_id: str) -> dict:
    return next(t for t in orchestrated_tasks() if t["id"] == task_id)


@dataclass
class Role:
    name: str
    arn: str
    policy_name: str
    document: dict  # as Terraform made it

    def emulator_view(self, without: tuple[str, str] | None = None) -> dict:
        """moto compares non-S3 resources with "*": widen them. `without` = (sid prefix, action) to remove."""
        doc = copy.deepcopy(self.document)
        for st in doc["Statement"]:
            resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            if not all(r.startswith("arn:aws:s3:::") for r in resources):
                st["Resource"] = "*"
            if without and st.get("Sid", "").startswith(without[0]):
                actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                st["Action"] = [a for a in actions if a != without[1]]
        doc["Statement"] = [st for st in doc["Statement"] if st["Action"]]
        return doc


class Iam:
    """Roles, credentials and the CLI environment of the IAM-enforced run."""

    def __init__(self, stack, workdir: Path):
        self.moto = stack.moto
        self.outputs = stack.tf.outputs()
        show = stack.tf.show()
        self.resources = {}

        def collect(module):
            for r in module.get("resources", []):
                self.resources[r["address"]] = r["values"]
            for child in module.get("child_modules", []):
                collect(child)

        collect(show["values"]["root_module"])
        iam = self.moto.client("iam")

        def role(role_address, policy_address):
            r, p = self.resources[role_address], self.resources[policy_address]
            doc = iam.get_role_policy(RoleName=r["name"], PolicyName=p["name"])["PolicyDocument"]
            return Role(r["name"], r["arn"], p["name"], doc if isinstance(doc, dict) else json.loads(doc))

        self.roles = {
            "airflow": role("module.airflow.module.service.aws_iam_role.task", "module.airflow.module.service.aws_iam_role_policy.task"),
            "glue": role("module.glue.aws_iam_role.glue", "module.glue.aws_iam_role_policy.glue"),
        }
        # An administrator for the test's own calls once IAM is enforced (seeding reports, reading jobs).
        iam.create_user(UserName="emulator-admin")
        iam.put_user_policy(UserName="emulator-admin", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="emulator-admin")["AccessKey"]
        self.admin = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
        sts = self.moto.client("sts")
        self.credentials = {}
        for name, r in self.roles.items():
            c = sts.assume_role(RoleArn=r.arn, RoleSessionName=f"emulator-{name}")["Credentials"]
            self.credentials[name] = {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"], "aws_session_token": c["SessionToken"]}
        self.cli_home = workdir / "airflow-cdcctl"
        self.cli_home.mkdir()
        self.cli_env = self.airflow_cli_env()
        subprocess.run(["node", str(WRITE_CONFIG)], env={**self.cli_env, "CDCCTL_HOME": str(self.cli_home)}, check=True)

    def airflow_cli_env(self) -> dict:
        """What the CLI sees in the Airflow task: the task definition's environment, with the DAG's
        CDC_* -> CDCCTL_* mapping applied (explicit CDCCTL_* win), and the task role's credentials."""
        task_def = self.resources["module.airflow.module.service.aws_ecs_task_definition.this"]
        container = json.loads(task_def["container_definitions"])[0]
        env = {e["name"]: e["value"] for e in container.get("environment", [])}
        for tf_name, cli_name in dag_env_mapping().items():
            if env.get(tf_name) and not env.get(cli_name):
                env[cli_name] = env[tf_name]
        creds = self.credentials["airflow"]
        # Emulator gap: the task fetches the RDS CA bundle from AWS's trust store, which this machine
        # cannot reach; any PEM stands in, as no database answers behind the emulated endpoint.
        ca = self.cli_home / "rds-ca.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                        "-subj", "/CN=emulator stand-in CA", "-keyout", str(self.cli_home / "ca.key"), "-out", str(ca)], check=True, capture_output=True)
        return {
            **env, "CDCCTL_DB_CA_FILE": str(ca), "PATH": os.environ["PATH"], "HOME": str(self.cli_home),
            "AWS_ENDPOINT_URL": self.moto.url, "AWS_ACCESS_KEY_ID": creds["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"], "AWS_SESSION_TOKEN": creds["aws_session_token"],
        }

    @contextmanager
    def setup_calls(self):
        """Calls that set the scene run unauthorized (as INITIAL_NO_AUTH_ACTION_COUNT allows), then IAM is enforced again."""
        self.moto.enforce_iam(False)
        try:
            yield self.moto.client("iam")
        finally:
            self.moto.enforce_iam(True)

    def put_policy(self, role: str, document: dict) -> None:
        r = self.roles[role]
        with self.setup_calls() as iam:
            iam.put_role_policy(RoleName=r.name, PolicyName=r.policy_name, PolicyDocument=json.dumps(document))

    def cdcctl(self, *args: str) -> tuple[int, dict, str]:
        profile = self.cli_env.get("CDCCTL_PROFILE") or self.cli_env.get("CDC_PROFILE") or "local"
        proc = subprocess.run(["node", str(CLI), *args, "--json", "--profile", profile], cwd=self.cli_home,
                              env=self.cli_env, capture_output=True, text=True, timeout=300)
        try:
            out = json.loads(proc.stdout)
        except json.JSONDecodeError:
            out = {"unparsed": proc.stdout}
        return proc.returncode, out, proc.stderr

    def admin_client(self, service: str):
        return self.moto.client(service, self.admin)

    def settle_job_runs(self) -> None:
        """Wait until every Glue job run has ended, so a run a test left behind (one it could not
        follow) does not block the next one: a job allows one run at a time."""
        glue = self.admin_client("glue")
        deadline = time.time() + 15
        while time.time() < deadline:
            runs = [r for name in self.outputs["glue_job_names"].values() for r in glue.get_job_runs(JobName=name)["JobRuns"]]
            if all(r["JobRunState"] not in ("STARTING", "RUNNING") for r in runs):
                return
            time.sleep(0.5)


@contextmanager
def dq_reports(iam: Iam):
    """Stand-in for the data-quality job, which moto does not run: as soon as a run of it starts,
    write its report to {root}/dq/results/<run id>.json — a failing one, so `dq check` also
    publishes to the alerts topic."""
    glue, s3 = iam.admin_client("glue"), iam.admin_client("s3")
    job, bucket = iam.outputs["glue_job_names"]["data-quality"], iam.outputs["data_lake_bucket"]
    seen = {r["Id"] for r in glue.get_job_runs(JobName=job)["JobRuns"]}
    stop = threading.Event()

    def seed():
        while not stop.is_set():
            for run in glue.get_job_runs(JobName=job)["JobRuns"]:
                if run["Id"] not in seen:
                    seen.add(run["Id"])
                    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                    report = {"run_id": run["Id"], "started_at": now, "finished_at": now, "passed": False, "rules": [
                        {"name": "users.row_count", "type": "row_count", "table": "silver_users", "severity": "fail", "status": "fail",
                         "observed": 0, "expected": ">= 1", "sample_keys": [], "message": "emulator report"}]}
                    s3.put_object(Bucket=bucket, Key=f"dq/results/{run['Id']}.json", Body=json.dumps(report).encode())
            stop.wait(0.2)

    thread = threading.Thread(target=seed, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)


def dq_tables(kind: str) -> list[str]:
    return [t["silver"] for t in CATALOG["tables"].values()] if kind == "silver" else list(CATALOG["gold"])


def run_task(iam: Iam, t: dict) -> tuple[bool, str]:
    """Run one orchestrated task's AWS calls as the Airflow task role: (succeeded, what happened)."""
    command = t["command"]
    if command == "connector register":
        # Its AWS calls read the master secret (for the checks and the roles it makes in the database)
        # and the roles' secrets; the emulator has no database behind the endpoint the secret names, so
        # the command gets past the master secret and stops where it connects.
        code, out, err = iam.cdcctl("connector", "register", "--timeout", "5")
        return code == 1 and out.get("code") == "POSTGRES_UNREACHABLE", json.dumps(out)[:600] + err[-300:]
    if command == "job run":
        code, out, err = iam.cdcctl("job", "run", *t["args"], "--timeout", "120")
        return code == 0 and out.get("result", {}).get("state") == "SUCCEEDED", json.dumps(out)[:600] + err[-300:]
    if command == "dq check":
        flags = [f for table in dq_tables(t["tables"]) for f in ("--table", table)]
        with dq_reports(iam):
            code, out, err = iam.cdcctl("dq", "check", *flags, "--timeout", "120")
        alert = (out.get("result") or {}).get("alert") or {}
        # The seeded report fails a rule: exit 1, and the failure is published to the alerts topic.
        return code == 1 and alert.get("channel") == "sns" and bool(alert.get("messageId")), json.dumps(out)[:600] + err[-300:]
    if command == "notify":
        code, out, err = iam.cdcctl("notify", "--status", "failure", "--message", "emulator run failed on purpose")
        return code == 0 and bool(out.get("result", {}).get("messageId")), json.dumps(out)[:600] + err[-300:]
    if command == "job stop":
        return stop_jobs(iam)
    raise AssertionError(f"no runner for {command!r}")


def stop_jobs(iam: Iam) -> tuple[bool, str]:
    """`job stop --label <dag run>` (the cleanup task): listing the runs that carry the label is the CLI's
    GetJobRuns; moto does not implement BatchStopJobRun, so that call is made through the SDK, where an
    authorized one fails as unimplemented and a denied one as AccessDenied: only the latter counts."""
    code, out, err = iam.cdcctl("job", "list", "--label", "emulator-dag-run")
    details = [f"job list --label: exit {code}"]
    if code != 0:
        return False, json.dumps(out)[:600] + err[-300:]
    glue = iam.moto.client("glue", iam.credentials["airflow"])
    name = next(iter(iam.outputs["glue_job_names"].values()))
    try:
        glue.batch_stop_job_run(JobName=name, JobRunIds=["jr_emulator"])
    except ClientError as e:
        details.append(f"BatchStopJobRun: {denied_or(e)}")
        if denied(e):
            return False, "; ".join(details)
    return True, "; ".join(details)


def denied(error: ClientError) -> bool:
    return error.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def denied_or(error: ClientError) -> str:
    """moto answers a denied JSON-protocol call with HTTP 403 and no AccessDenied code; name it."""
    if denied(error):
        return "AccessDenied"
    return f"{error.response['Error']['Code']} (HTTP {error.response['ResponseMetadata']['HTTPStatusCode']})"


def aws_calls_of(command: str) -> list[str]:
    return sorted({a for p in CATALOG["aws"]["commands"][command] for st in CATALOG["aws"]["permissions"][p] for a in st["actions"]})


def glue_reads_secret(iam: Iam) -> tuple[bool, str]:
    """reconcile_source's AWS call, with the arguments the Glue job carries by default: the read-only
    role's secret."""
    args = iam.admin_client("glue").get_job(JobName=iam.outputs["glue_job_names"]["data-quality"])["Job"]["DefaultArguments"]
    client = iam.moto.client("secretsmanager", iam.credentials["glue"], region=args["--region"])
    try:
        secret = json.loads(client.get_secret_value(SecretId=args["--db-secret-name"])["SecretString"])
    except ClientError as e:
        return False, denied_or(e)
    return {"host", "port", "username", "password"} <= set(secret), "read"


def airflow_reads_role_secrets(iam: Iam) -> tuple[bool, str]:
    """connector register's second read (AwsTarget.ensureDatabaseRoles), which the emulator's command
    never reaches (it stops at the database): each role's secret, as the Airflow task role."""
    client = iam.moto.client("secretsmanager", iam.credentials["airflow"])
    try:
        secrets = [json.loads(client.get_secret_value(SecretId=n)["SecretString"]) for n in iam.outputs["db_role_secret_names"].values()]
    except ClientError as e:
        return False, denied_or(e)
    return all({"username", "password"} <= set(s) for s in secrets), "read"


def probe(iam: Iam, role: str, action: str) -> str:
    """The one call an action names, made directly as the role: "AccessDenied" when IAM refuses it.
    The CLI's own error does not always say so: moto answers a denied JSON-protocol call with an XML
    body the SDK for JavaScript cannot parse, and a denied HEAD has no body at all."""
    client = lambda service: iam.moto.client(service, iam.credentials[role])  # noqa: E731
    jobs, bucket = iam.outputs["glue_job_names"], iam.outputs["data_lake_bucket"]
    latest = iam.admin_client("glue").get_job_runs(JobName=jobs["silver-to-gold"])["JobRuns"][0]["Id"]
    report = next(o["Key"] for o in iam.admin_client("s3").list_objects_v2(Bucket=bucket, Prefix="dq/results/")["Contents"])
    calls = {
        "secretsmanager:GetSecretValue": lambda: client("secretsmanager").get_secret_value(SecretId=iam.outputs["db_secret_name"]),
        "glue:StartJobRun": lambda: client("glue").start_job_run(JobName=jobs["bronze-to-silver"]),
        "glue:GetJobRun": lambda: client("glue").get_job_run(JobName=jobs["silver-to-gold"], RunId=latest),
        "s3:PutObject": lambda: client("s3").put_object(Bucket=bucket, Key="dq/rules/probe.yaml", Body=b"probe"),
        "s3:GetObject": lambda: client("s3").head_object(Bucket=bucket, Key=report),
        "sns:Publish": lambda: client("sns").publish(TopicArn=iam.outputs["alerts_topic_arn"], Message="probe"),
        "glue:BatchStopJobRun": lambda: client("glue").batch_stop_job_run(JobName=jobs["bronze-to-silver"], JobRunIds=[latest]),
    }
    try:
        calls[action]()
    except ClientError as e:
        return denied_or(e)
    return "allowed"
