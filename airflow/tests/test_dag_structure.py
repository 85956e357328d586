"""The DAG's shape: schedule, retries, the phases in order, the failure path and each task's cdcctl command."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from airflow.models.dagbag import DagBag
from airflow.sdk import TriggerRule

REPO = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO / "airflow" / "dags"
CATALOG = yaml.safe_load((REPO / "pipeline.yaml").read_text())
TASKS = CATALOG["orchestration"]["tasks"]

DAG_ID = CATALOG["orchestration"]["dag_id"]
PIPELINE = [t["id"] for t in TASKS]
SILVER = " ".join(f"--table {t['silver']}" for t in CATALOG["tables"].values())
GOLD = " ".join(f"--table {t}" for t in CATALOG["gold"])
LABEL = '--label "$CDC_DAG_RUN_ID"'


def expected_command(spec):
    if spec["command"] == "job run":
        return f"job run {spec['args'][0]} {LABEL}"
    if spec["command"] == "dq check":
        return f"dq check {SILVER if spec['tables'] == 'silver' else GOLD}"
    return spec["command"]


COMMANDS = {
    **{t["id"]: expected_command(t) for t in TASKS},
    "notify_success": "notify --status success --message",
    "notify_failure": "notify --status failure --message",
    "cleanup": f"job stop {LABEL}",
}


def load_dag(monkeypatch=None, **env):
    if monkeypatch is not None:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
    bag = DagBag(dag_folder=str(DAGS_FOLDER), include_examples=False)
    assert bag.import_errors == {}, bag.import_errors
    return bag.dags[DAG_ID]


@pytest.fixture(scope="module")
def dag():
    return load_dag()


def test_dagbag_loads_the_dag_without_import_errors(dag):
    assert dag is not None
    assert dag.dag_id == DAG_ID


def test_runs_hourly_without_catchup_one_run_at_a_time(dag):
    assert dag.schedule == "@hourly"
    assert dag.timetable.summary == "0 * * * *"
    assert dag.catchup is False
    assert dag.max_active_runs == 1


def test_pipeline_tasks_retry_with_exponential_backoff(dag):
    for task_id in [*PIPELINE, "notify_success", "notify_failure", "cleanup"]:
        task = dag.get_task(task_id)
        assert task.retries > 0, task_id
        assert task.retry_exponential_backoff, task_id
        assert task.retry_delay >= timedelta(seconds=30), task_id


def test_tasks_follow_the_catalogs_order(dag):
    for spec in TASKS:
        task = dag.get_task(spec["id"])
        assert task.upstream_task_ids == set(spec.get("after", [])), spec["id"]
        assert task.trigger_rule == TriggerRule.ALL_SUCCESS


def test_health_checks_run_in_parallel_and_both_gate_the_connector_setup(dag):
    assert dag.get_task("check_kafka").upstream_task_ids == set()
    assert dag.get_task("check_debezium").upstream_task_ids == set()
    assert dag.get_task("setup_debezium_connector").upstream_task_ids == {"check_kafka", "check_debezium"}


def test_notify_success_follows_the_last_phase(dag):
    last = {t for t in PIPELINE if not any(t in s.get("after", []) for s in TASKS)}
    assert dag.get_task("notify_success").upstream_task_ids == last


def test_job_runs_and_cleanup_share_the_dag_run_label(dag):
    for task_id in [*[t["id"] for t in TASKS if t["command"] == "job run"], "cleanup"]:
        task = dag.get_task(task_id)
        assert LABEL in task.bash_command, task_id
        assert task.env["CDC_DAG_RUN_ID"] == "{{ run_id }}", task_id


def test_notify_failure_fires_when_any_pipeline_task_fails(dag):
    task = dag.get_task("notify_failure")
    assert task.trigger_rule == TriggerRule.ONE_FAILED
    assert task.upstream_task_ids == set(PIPELINE)


def test_cleanup_runs_last_whatever_happened(dag):
    task = dag.get_task("cleanup")
    assert task.trigger_rule == TriggerRule.ALL_DONE
    assert task.upstream_task_ids == {*PIPELINE, "notify_success", "notify_failure"}


def test_a_failed_pipeline_fails_the_run_through_the_only_leaf(dag):
    assert [t.task_id for t in dag.leaves] == ["fail_run_on_failure"]
    watcher = dag.get_task("fail_run_on_failure")
    assert watcher.trigger_rule == TriggerRule.ONE_FAILED
    assert watcher.retries == 0
    assert watcher.upstream_task_ids == {t.task_id for t in dag.tasks} - {"fail_run_on_failure"}


@pytest.mark.parametrize("task_id", sorted(COMMANDS))
def test_each_task_runs_its_cdcctl_command_as_json_on_the_local_profile_by_default(dag, task_id):
    task = dag.get_task(task_id)
    bin_js = str(REPO / "bin" / "run.js")
    assert task.bash_command.split(" ", 2)[1] == bin_js
    assert f"{bin_js} {COMMANDS[task_id]}" in task.bash_command
    assert task.bash_command.endswith("--json --profile local")
    assert task.cwd == str(REPO)
    assert task.append_env is True


def test_profile_bin_and_terraform_environment_are_honoured(monkeypatch):
    dag = load_dag(
        monkeypatch,
        CDC_PROFILE="aws",
        CDCCTL_BIN="cdcctl",
        CDCCTL_WORKDIR="/opt/cdcctl",
        CDC_CONNECT_URL="http://connect.internal:8083",
        CDC_KAFKA_BOOTSTRAP_SERVERS="10.0.1.5:9092",
        CDC_STORAGE_ROOT="s3://lake",
        CDC_ALERTS_TOPIC_ARN="arn:aws:sns:ap-south-1:123456789012:cdc-alerts",
        CDC_DB_SECRET_NAME="cdc-dev-db-credentials",
    )
    task = dag.get_task("check_debezium")
    assert task.bash_command == "cdcctl connector list --json --profile aws"
    assert task.cwd == "/opt/cdcctl"
    assert task.env == {
        "CDCCTL_CONNECT_URL": "http://connect.internal:8083",
        "CDCCTL_KAFKA_BROKERS": "10.0.1.5:9092",
        "CDCCTL_STORAGE_ROOT": "s3://lake",
        "CDCCTL_ALERTS_TOPIC_ARN": "arn:aws:sns:ap-south-1:123456789012:cdc-alerts",
        "CDCCTL_DB_SECRET_NAME": "cdc-dev-db-credentials",
        "CDC_DAG_RUN_ID": "{{ run_id }}",
    }
    assert load_dag(monkeypatch, CDCCTL_PROFILE="staging").get_task("cleanup").bash_command.endswith("--profile staging")


def test_notifications_name_the_run(dag):
    for task_id in ("notify_success", "notify_failure"):
        assert "{{ run_id }}" in dag.get_task(task_id).bash_command
