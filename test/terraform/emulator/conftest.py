"""The emulator cycle of terraform/: one moto server, one temporary copy of terraform/ with the
test-only overrides of test/terraform/overrides, one `cdcctl deploy --profile aws` that every test
of this folder shares (terraform init with the real S3 backend, whose state bucket is in moto, plan,
apply, outputs stored in the profile, scripts uploaded, the ECS services waited for), and a
`cdcctl destroy` at the end. Run on its own (scripts/terraform-test.sh), not with the other pytest
suites: this conftest is for this folder only.

Phase times and resource counts are collected in FIGURES and printed after the run."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[3]
TERRAFORM = ROOT / "terraform"
OVERRIDES = ROOT / "test" / "terraform" / "overrides"
CLI = ROOT / "bin" / "run.js"
REGION = "ap-south-1"
ENV = "dev"
VAR_FILE = f"envs/{ENV}.tfvars"
PLUGIN_DIR = Path(os.environ.get("CDCCTL_TF_PLUGIN_DIR", "/opt/tf-plugins"))
# The state bucket and key the real backend is configured with (envs/dev.backend.hcl).
BACKEND = dict(re.findall(r'^(\w+)\s*=\s*"([^"]*)"', (TERRAFORM / "envs" / f"{ENV}.backend.hcl").read_text(), re.M))

# phase -> {"seconds": float, "resources": int, ...}; printed by pytest_terminal_summary.
FIGURES: dict[str, dict] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """A moto server on a free loopback port. IAM is not enforced until enforce_iam(True): moto's
    INITIAL_NO_AUTH_ACTION_COUNT, set at run time through /moto-api/reset-auth (0 = every call from
    now on is authorized against IAM, inf = none is)."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "moto.log"
        env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}  # AmazonSSMManagedInstanceCore etc.
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT, env=env,
        )
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=2)
                break
            except OSError:
                if time.time() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"moto server did not start (see {self.log})")
                time.sleep(0.3)

    def enforce_iam(self, on: bool) -> None:
        body = b"0" if on else b"inf"
        request = urllib.request.Request(f"{self.url}/moto-api/reset-auth", data=body, method="POST", headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(request, timeout=10)

    def set_transition(self, model: str, transition: dict | None) -> None:
        """moto's state manager: how its models (a Glue job run, ...) move through their states."""
        path, body = ("set-transition", {"model_name": model, "transition": transition}) if transition else ("unset-transition", {"model_name": model})
        request = urllib.request.Request(f"{self.url}/moto-api/state-manager/{path}", data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10)

    def client(self, service: str, credentials: dict | None = None, region: str = REGION):
        creds = credentials or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        # One attempt: a denied or unimplemented call is an answer here, not something to retry.
        return boto3.client(service, region_name=region, endpoint_url=self.url,
                            config=Config(retries={"max_attempts": 1, "mode": "standard"}), **creds)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@dataclass
class Terraform:
    """terraform in the temporary copy, pointed at the moto server, with the data directory
    (backend and providers) that `cdcctl deploy` initialised: the tests read the same state in the
    same state bucket as the CLI. Every run's output is kept."""

    workdir: Path
    env: dict
    logs: list[Path] = field(default_factory=list)

    def run(self, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
        proc = subprocess.run(["terraform", *args], cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=timeout)
        log = self.workdir.parent / f"{len(self.logs):02d}-{args[0]}.log"
        log.write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
        self.logs.append(log)
        return proc

    def timed(self, phase: str, *args: str, **figures) -> subprocess.CompletedProcess:
        start = time.monotonic()
        proc = self.run(*args)
        FIGURES[phase] = {"seconds": round(time.monotonic() - start, 1), **figures}
        return proc

    def state_resources(self) -> list[str]:
        """Managed resources in the state (data sources are not resources)."""
        out = self.run("state", "list").stdout.split()
        return [a for a in out if not re.search(r"(^|\.)data\.", a)]

    def show(self) -> dict:
        return json.loads(self.run("show", "-json").stdout)

    def outputs(self) -> dict:
        return {k: v["value"] for k, v in json.loads(self.run("output", "-json").stdout).items()}


@dataclass
class Cli:
    """cdcctl as an operator runs it: from the directory of a cdcctl.config.json whose aws profile
    deploys the temporary copy of terraform/, with the emulator's endpoint and credentials."""

    home: Path
    env: dict
    runs: list[subprocess.CompletedProcess] = field(default_factory=list)

    @property
    def state_dir(self) -> Path:
        return self.home / "state"

    @property
    def env_dir(self) -> Path:
        """{stateDir}/terraform/<profile>/<env>: the plan file, Terraform's data directory and logs."""
        return self.state_dir / "terraform" / "aws" / ENV

    def popen(self, *args: str) -> subprocess.Popen:
        """cdcctl started, its stdout and stderr into files of the temporary directory."""
        n = len(self.runs)
        out, err = (self.home / f"cli-{n:02d}.out"), (self.home / f"cli-{n:02d}.err")
        with out.open("w") as stdout, err.open("w") as stderr:
            proc = subprocess.Popen(["node", str(CLI), *args], cwd=self.home, env=self.env, stdout=stdout, stderr=stderr)
        proc.outputs = (out, err)  # type: ignore[attr-defined]
        return proc

    def finish(self, proc: subprocess.Popen, args: tuple, timeout: int = 2400) -> subprocess.CompletedProcess:
        proc.wait(timeout=timeout)
        out, err = proc.outputs  # type: ignore[attr-defined]
        done = subprocess.CompletedProcess(["cdcctl", *args], proc.returncode, out.read_text(), err.read_text())
        self.runs.append(done)
        return done

    def run(self, *args: str, timeout: int = 2400) -> subprocess.CompletedProcess:
        return self.finish(self.popen(*args), args, timeout)

    def json(self, proc: subprocess.CompletedProcess) -> dict:
        try:
            return json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise AssertionError(f"{' '.join(proc.args)} printed no JSON (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")

    def timed(self, phase: str, *args: str, **figures) -> subprocess.CompletedProcess:
        start = time.monotonic()
        proc = self.run(*args)
        FIGURES[phase] = {"seconds": round(time.monotonic() - start, 1), **figures}
        return proc


def terraformrc(path: Path) -> Path:
    """Terraform's CLI configuration: nothing of the user's; the AWS provider from the filesystem
    mirror when there is one (cdcctl's own `terraform init` takes no -plugin-dir)."""
    text = ""
    if PLUGIN_DIR.is_dir():
        text = ('provider_installation {\n  filesystem_mirror {\n    path    = "%s"\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n'
                '  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n') % PLUGIN_DIR
    path.write_text(text)
    return path


def stand_in_ca(dest: Path) -> Path:
    """Emulator gap: deploy uploads Amazon's RDS CA bundle, fetched from AWS's trust store, which
    this machine cannot reach, and no database answers behind moto; a self-signed CA stands in."""
    pem = dest / "rds-ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-subj", "/CN=emulator stand-in RDS CA", "-keyout", str(dest / "rds-ca.key"), "-out", str(pem)], check=True, capture_output=True)
    return pem


@dataclass
class Deployed:
    """What `cdcctl deploy --profile aws --auto-approve --json` did, and what was seen while it ran."""

    proc: subprocess.CompletedProcess
    seconds: float
    # The saved plan file's permission bits, read while terraform apply ran (it embeds the prior state).
    plan_file_modes: set[int] = field(default_factory=set)
    # The ECS services whose tasks the test started, as ECS's scheduler would (see deploy()), with
    # the counts they had before: moto had started none of them.
    started: dict[str, str] = field(default_factory=dict)

    @property
    def result(self) -> dict:
        return json.loads(self.proc.stdout)["result"]


def deploy(cli: Cli, moto: Moto) -> Deployed:
    """cdcctl deploy, watched from outside while it runs:
    - once `terraform apply` runs (its log exists), the saved plan file's mode is recorded;
    - Emulator gap: moto's CreateService starts no task (runningCount stays 0, no scheduler); on
      AWS the scheduler starts desiredCount tasks. Once deploy has uploaded the scripts (the
      manifest is written last), and so is waiting for the services or about to, the test does the
      scheduler's part: UpdateService with each service's own desiredCount, which moto takes as
      that many tasks running. deploy's wait succeeds only by seeing that.
    """
    args = ("deploy", "--profile", "aws", "--auto-approve", "--json", "--services-timeout", "180")
    plan_file, apply_log = cli.env_dir / "tfplan", cli.env_dir / "logs" / "terraform-apply.log"
    stored = cli.state_dir / "outputs" / "aws.terraform.json"
    ecs, s3 = moto.client("ecs"), moto.client("s3")
    seen = Deployed(proc=None, seconds=0.0)  # type: ignore[arg-type]
    start = time.monotonic()
    proc = cli.popen(*args)
    while proc.poll() is None:
        if apply_log.exists():
            try:
                seen.plan_file_modes.add(plan_file.stat().st_mode & 0o777)
            except FileNotFoundError:
                pass
        # The lake bucket as deploy stored it from the outputs, before it uploads.
        lake = json.loads(stored.read_text()).get("data_lake_bucket") if stored.exists() else None
        uploaded = lake and s3.list_objects_v2(Bucket=lake, Prefix="scripts/.manifest.json").get("KeyCount", 0) > 0
        if uploaded:
            for cluster in ecs.list_clusters()["clusterArns"]:
                arns = ecs.list_services(cluster=cluster)["serviceArns"]
                for svc in ecs.describe_services(cluster=cluster, services=arns)["services"] if arns else []:
                    if svc["serviceName"] not in seen.started and svc["runningCount"] < svc["desiredCount"]:
                        seen.started[svc["serviceName"]] = f"running {svc['runningCount']}/{svc['desiredCount']}"
                        ecs.update_service(cluster=cluster, service=svc["serviceName"], desiredCount=svc["desiredCount"])
        time.sleep(1)
    seen.seconds = round(time.monotonic() - start, 1)
    seen.proc = cli.finish(proc, args)
    return seen


def copy_with_overrides(dest: Path) -> Path:
    """terraform/ and the catalog it reads, plus every override file at its place."""
    work = dest / "terraform"
    shutil.copytree(TERRAFORM, work, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "__pycache__", "*.py", ".terraform.lock.hcl"))
    shutil.copy(ROOT / "pipeline.yaml", dest / "pipeline.yaml")
    for override in OVERRIDES.rglob("*.tf"):
        target = work / override.relative_to(OVERRIDES)
        assert target.parent.is_dir(), f"{override} has no module folder {target.parent} to go to"
        assert target.name.endswith("_override.tf")
        shutil.copy(override, target)
    return work


def plan_summary(text: str) -> str:
    m = re.search(r"Plan: .*|No changes\..*", text)
    return m.group(0) if m else "?"



@dataclass
class Stack:
    moto: Moto
    tf: Terraform
    cli: Cli
    deployed: Deployed
    destroyed: bool = False


@pytest.fixture(scope="session")
def workdir():
    path = Path(tempfile.mkdtemp(prefix="cdcctl-tf-emulator-"))
    yield path
    if os.environ.get("CDCCTL_KEEP_EMULATOR_DIR"):
        print(f"\nemulator files kept in {path}")
    else:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def moto(workdir):
    server = Moto(workdir)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cli(workdir, moto) -> Cli:
    """The temporary copy of terraform/, an aws profile that deploys it, and the state bucket."""
    work = copy_with_overrides(workdir)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_", "CDCCTL_"))}
    env.update({
        "AWS_ENDPOINT_URL": moto.url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0",
        "TF_CLI_CONFIG_FILE": str(terraformrc(workdir / "terraformrc")), "NO_COLOR": "1", "HOME": str(workdir),
    })
    profile = {"target": "aws", "region": REGION, "stateDir": "state",
               "deploy": {"terraformDir": work.name, "env": ENV},
               "postgres": {"caFile": str(stand_in_ca(workdir))}}
    (workdir / "cdcctl.config.json").write_text(json.dumps({"profiles": {"aws": profile}}, indent=2))
    # The state bucket, made once per account before the first init, as terraform/README.md says.
    s3, bucket = moto.client("s3"), BACKEND["bucket"]
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": BACKEND["region"]})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    return Cli(workdir, env)


@pytest.fixture(scope="session")
def tf(workdir, cli) -> Terraform:
    """terraform itself, on the data directory cdcctl initialises (usable once deploy ran init)."""
    return Terraform(workdir / "terraform", {**cli.env, "TF_DATA_DIR": str(cli.env_dir / "data")})


def step_seconds(result: dict, step: str) -> float | None:
    return next((round(s["durationMs"] / 1000, 1) for s in result.get("steps", []) if s["step"] == step), None)


@pytest.fixture(scope="session")
def stack(tf, cli, moto) -> Stack:
    deployed = deploy(cli, moto)
    FIGURES["deploy"] = {"seconds": deployed.seconds, "exit": deployed.proc.returncode}
    apply_log = cli.env_dir / "logs" / "terraform-apply.log"
    m = re.search(r"Resources: (\d+) added", apply_log.read_text()) if apply_log.exists() else None
    if deployed.proc.returncode == 0:
        result = deployed.result
        FIGURES["init"] = {"seconds": step_seconds(result, "init")}
        FIGURES["plan"] = {"seconds": step_seconds(result, "plan"), "to add": result["plan"]["add"]}
        FIGURES["deploy"]["upload"] = f"{len(result['upload']['uploaded'])} objects"
        FIGURES["deploy"]["services"] = ", ".join(f"{s['service']} {s['running']}/{s['desired']}" for s in result["services"] or [])
        FIGURES["apply"] = {"seconds": step_seconds(result, "apply"), "resources": int(m.group(1)) if m else None}
    s = Stack(moto, tf, cli, deployed)
    yield s
    if not s.destroyed and (cli.env_dir / "data").is_dir():  # the destroy test did not run or failed: leave nothing behind in moto
        tf.run("state", "rm", "module.glue.aws_glue_connection.vpc")
        tf.run("destroy", "-auto-approve", "-no-color", f"-var-file={VAR_FILE}")


@pytest.fixture(scope="session")
def applied(stack) -> Stack:
    """The stack, failing every test that needs it when deploy failed."""
    proc = stack.deployed.proc
    assert proc.returncode == 0, f"cdcctl deploy failed (exit {proc.returncode}):\n" + proc.stdout[-4000:] + proc.stderr[-4000:]
    return stack


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    if os.environ.get("CDCCTL_TF_FIGURES"):
        Path(os.environ["CDCCTL_TF_FIGURES"]).write_text(json.dumps(FIGURES))
    tr = terminalreporter
    tr.section("terraform against the emulator (moto)")
    for phase, f in FIGURES.items():
        extra = ", ".join(f"{k} {v}" for k, v in f.items() if k != "seconds" and v is not None)
        tr.write_line(f"{phase:<24} {f['seconds']:>7.1f} s   {extra}")
