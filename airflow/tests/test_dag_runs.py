"""Acceptance: `airflow dags test` of the DAG against the running local stack, once healthy and once with
Kafka Connect stopped. Jobs write to an isolated lake (CDCCTL_STORAGE_ROOT, default a temp dir)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from test_dag_structure import PIPELINE

REPO = Path(__file__).resolve().parents[2]
DAG_ID = "cdc_pipeline_orchestration"
AIRFLOW = str(Path(sys.executable).parent / "airflow")
CDCCTL = [shutil.which("node") or "node", str(REPO / "bin" / "run.js")]

pytestmark = pytest.mark.acceptance


@pytest.fixture(scope="module")
def airflow_env():
    lake = tempfile.mkdtemp(prefix="cdcctl-airflow-lake-")
    env = {
        **os.environ,
        "CDCCTL_PROFILE": "local",
        "CDCCTL_STORAGE_ROOT": os.environ.get("CDCCTL_STORAGE_ROOT") or f"file://{lake}",
        "PYTHONWARNINGS": "ignore",
    }
    migrate = subprocess.run([AIRFLOW, "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stdout[-3000:] + migrate.stderr[-3000:]
    yield env
    shutil.rmtree(lake, ignore_errors=True)


def cdcctl(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    res = subprocess.run([*CDCCTL, *args], cwd=REPO, capture_output=True, text=True, timeout=300)
    if check:
        assert res.returncode == 0, f"cdcctl {' '.join(args)} exited {res.returncode}: {res.stdout[-2000:]} {res.stderr[-2000:]}"
    return res


def dags_test(env: dict[str, str]) -> tuple[subprocess.CompletedProcess, str, str, dict[str, str]]:
    """Run the DAG once; return the process, its run id, the run's state and every task's state."""
    res = subprocess.run([AIRFLOW, "dags", "test", DAG_ID], env=env, capture_output=True, text=True, timeout=900)
    output = res.stdout + res.stderr
    finished = re.search(r"DagRun Finished: .*?run_id=([^,]+),.*?state=(\w+)", output)
    assert finished, f"no 'DagRun Finished' line in the dags test output:\n{output[-5000:]}"
    run_id, run_state = finished.group(1), finished.group(2)
    states = subprocess.run(
        [AIRFLOW, "tasks", "states-for-dag-run", DAG_ID, run_id, "-o", "json"], env=env, capture_output=True, text=True, timeout=120
    )
    rows = json.loads(next(line for line in reversed(states.stdout.splitlines()) if line.startswith("[")))
    return res, run_id, run_state, {row["task_id"]: row["state"] for row in rows}


def notifications_for(run_id: str) -> list[dict]:
    log = REPO / ".cdcctl" / "notifications.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return [n for n in map(json.loads, lines) if run_id in n["message"]]


def test_an_hourly_run_on_a_healthy_stack_runs_every_phase_and_notifies_success(airflow_env):
    res, run_id, run_state, states = dags_test(airflow_env)
    detail = f"task states {states}\n{(res.stdout + res.stderr)[-6000:]}"
    assert run_state == "success", detail
    assert res.returncode == 0, detail
    assert {t: states[t] for t in [*PIPELINE, "notify_success", "cleanup"]} == {t: "success" for t in [*PIPELINE, "notify_success", "cleanup"]}, detail
    assert states["notify_failure"] == "skipped", detail
    assert states["fail_run_on_failure"] == "skipped", detail
    assert [n["status"] for n in notifications_for(run_id)] == ["success"]


def test_with_connect_down_the_run_fails_at_the_debezium_check_and_notifies_failure(airflow_env):
    env = {**airflow_env, "CDCCTL_DAG_RETRIES": "1", "CDCCTL_DAG_RETRY_DELAY_SECONDS": "1"}
    cdcctl("local", "down", "connect")
    try:
        res, run_id, run_state, states = dags_test(env)
    finally:
        cdcctl("local", "up", "connect")
        cdcctl("connector", "register")
    detail = f"task states {states}\n{(res.stdout + res.stderr)[-6000:]}"
    assert run_state == "failed", detail
    assert res.returncode != 0, detail
    assert states["check_kafka"] == "success", detail
    assert states["check_debezium"] == "failed", detail
    for task_id in [*PIPELINE[2:], "notify_success"]:
        assert states[task_id] == "upstream_failed", f"{task_id}: {detail}"
    assert states["notify_failure"] == "success", detail
    assert states["cleanup"] == "success", detail
    assert states["fail_run_on_failure"] == "failed", detail
    assert [n["status"] for n in notifications_for(run_id)] == ["failure"]
