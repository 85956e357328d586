"""The emulator cycle of terraform/: one moto server, one temporary copy of terraform/ with the
test-only overrides of test/terraform/overrides, one apply that every test of this folder shares,
and a destroy at the end. Run on its own (scripts/terraform-test.sh), not with the other pytest
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
REGION = "ap-south-1"
VAR_FILE = "envs/dev.tfvars"
PLUGIN_DIR = Path(os.environ.get("CDCCTL_TF_PLUGIN_DIR", "/opt/tf-plugins"))

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
    """terraform in the temporary copy, pointed at the moto server; every run's output is kept."""

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
    apply: subprocess.CompletedProcess
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
def tf(workdir, moto) -> Terraform:
    work = copy_with_overrides(workdir)
    rc = workdir / "terraformrc"
    rc.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update({
        "AWS_ENDPOINT_URL": moto.url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0",
        "TF_CLI_CONFIG_FILE": str(rc), "NO_COLOR": "1",
    })
    terraform = Terraform(work, env)
    init = ["init", "-no-color"] + ([f"-plugin-dir={PLUGIN_DIR}"] if PLUGIN_DIR.is_dir() else [])
    proc = terraform.timed("init", *init)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return terraform


@pytest.fixture(scope="session")
def stack(tf, moto) -> Stack:
    proc = tf.timed("apply", "apply", "-auto-approve", "-no-color", f"-var-file={VAR_FILE}")
    m = re.search(r"Resources: (\d+) added", proc.stdout)
    FIGURES["apply"]["resources"] = int(m.group(1)) if m else None
    s = Stack(moto, tf, proc)
    yield s
    if not s.destroyed:  # the destroy test did not run or failed: leave nothing behind in moto
        tf.run("state", "rm", "module.glue.aws_glue_connection.vpc")
        tf.run("destroy", "-auto-approve", "-no-color", f"-var-file={VAR_FILE}")


@pytest.fixture(scope="session")
def applied(stack) -> Stack:
    """The stack, failing every test that needs it when the apply failed."""
    assert stack.apply.returncode == 0, "apply failed:\n" + stack.apply.stdout[-4000:] + stack.apply.stderr[-4000:]
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
