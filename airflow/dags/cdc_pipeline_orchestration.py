"""The CDC lakehouse's scheduled run, built from the pipeline catalog (pipeline.yaml `orchestration`):
health -> connector setup -> the jobs and data-quality checks in the catalog's order -> notify.

Every task shells out to the cdcctl CLI (``--json --profile <profile>``), so the DAG holds no pipeline
logic of its own: what a task does is exactly what an operator would type, and its log is the CLI's
JSON result. Job runs carry ``--label <dag run id>``, so the ``cleanup`` task (the catalog's
``orchestration.cleanup``, ``job stop --label``) stops whatever this DAG run started and is still
running. Environment:

- ``CDCCTL_PROFILE`` (or Terraform's ``CDC_PROFILE``): the cdcctl profile, default ``local``.
- ``CDCCTL_BIN``: how to run the CLI, default ``node <repo>/bin/run.js`` of the checkout this file is in.
- ``CDCCTL_WORKDIR``: where the CLI runs (it finds ``cdcctl.config.*`` and ``.cdcctl/`` state from
  there), default the same checkout.
- ``CDCCTL_CATALOG``: the pipeline catalog, default ``<repo>/pipeline.yaml``.
- ``CDCCTL_DAG_RETRIES`` / ``CDCCTL_DAG_RETRY_DELAY_SECONDS``: retry policy (default 2, 60 s, doubling).
- The Terraform airflow module's ``CDC_*`` variables are passed to the CLI as the ``CDCCTL_*`` it reads.
"""

from __future__ import annotations

import os
import shlex
import shutil
from datetime import timedelta
from pathlib import Path

import pendulum
import yaml
from airflow.exceptions import AirflowException
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, TriggerRule, task

REPO = Path(__file__).resolve().parents[2]
CATALOG = yaml.safe_load(Path(os.environ.get("CDCCTL_CATALOG") or REPO / "pipeline.yaml").read_text())
ORCHESTRATION = CATALOG["orchestration"]

PROFILE = os.environ.get("CDCCTL_PROFILE") or os.environ.get("CDC_PROFILE") or "local"
CDCCTL = os.environ.get("CDCCTL_BIN") or f"{shutil.which('node') or 'node'} {shlex.quote(str(REPO / 'bin' / 'run.js'))}"
WORKDIR = os.environ.get("CDCCTL_WORKDIR") or str(REPO)

# Terraform's airflow module names these CDC_*; the CLI reads CDCCTL_*. An explicit CDCCTL_* wins.
TERRAFORM_ENV = {
    "CDC_CONNECT_URL": "CDCCTL_CONNECT_URL",
    "CDC_KAFKA_BOOTSTRAP_SERVERS": "CDCCTL_KAFKA_BROKERS",
    "CDC_STORAGE_ROOT": "CDCCTL_STORAGE_ROOT",
    "CDC_ALERTS_TOPIC_ARN": "CDCCTL_ALERTS_TOPIC_ARN",
    "CDC_DB_SECRET_NAME": "CDCCTL_DB_SECRET_NAME",
}
CLI_ENV = {
    cli: os.environ[tf]
    for tf, cli in TERRAFORM_ENV.items()
    if os.environ.get(tf) and not os.environ.get(cli)
}

RUN = "{{ dag.dag_id }} run {{ run_id }}"
# The same label on every job this DAG run starts; through the environment, so no run id is shell-parsed.
LABEL = '--label "$CDC_DAG_RUN_ID"'
JOB_TIMEOUT = timedelta(minutes=90)
TABLES = {
    "silver": [t["silver"] for t in CATALOG["tables"].values()],
    "gold": list(CATALOG["gold"]),
}


def cdcctl(args: str) -> str:
    """The shell command for one cdcctl invocation, always machine-readable and on the DAG's profile."""
    return f"{CDCCTL} {args} --json --profile {shlex.quote(PROFILE)}"


def cli_task(task_id: str, args: str, **kwargs) -> BashOperator:
    return BashOperator(
        task_id=task_id,
        bash_command=cdcctl(args),
        env={**CLI_ENV, "CDC_DAG_RUN_ID": "{{ run_id }}"},
        append_env=True,  # keep PATH, AWS_* and CDCCTL_* of the worker
        cwd=WORKDIR,
        do_xcom_push=False,  # the result is in the log; XCom would only hold its last line
        **kwargs,
    )


def task_command(spec: dict) -> str:
    """A catalog task's cdcctl arguments: its command and args, its tables, and the run label for jobs."""
    parts = [spec["command"], *(shlex.quote(a) for a in spec.get("args", []))]
    parts += [f"--table {t}" for t in TABLES.get(spec.get("tables"), [])]
    if spec["command"] == "job run":
        parts.append(LABEL)
    return " ".join(parts)


def is_long(spec: dict) -> bool:
    """Jobs and data-quality checks run Spark (Glue on aws): they get the job timeout."""
    return spec["command"] in ("job run", "dq check")


default_args = {
    "owner": "data-platform",
    "retries": int(os.environ.get("CDCCTL_DAG_RETRIES", "2")),
    "retry_delay": timedelta(seconds=int(os.environ.get("CDCCTL_DAG_RETRY_DELAY_SECONDS", "60"))),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=15),
    "execution_timeout": timedelta(minutes=10),
}

with DAG(
    dag_id=ORCHESTRATION["dag_id"],
    description="CDC lakehouse: the pipeline catalog's tasks in order, then notify",
    schedule=ORCHESTRATION["schedule"],
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["cdc", "lakehouse", "cdcctl"],
    doc_md=__doc__,
) as dag:
    pipeline = {
        spec["id"]: cli_task(spec["id"], task_command(spec), **({"execution_timeout": JOB_TIMEOUT} if is_long(spec) else {}))
        for spec in ORCHESTRATION["tasks"]
    }
    for spec in ORCHESTRATION["tasks"]:
        for upstream in spec.get("after", []):
            pipeline[upstream] >> pipeline[spec["id"]]
    last = [t for t in pipeline.values() if not t.downstream_task_ids]

    notify = ORCHESTRATION["notify"]
    notify_success = cli_task(
        "notify_success",
        f"{notify} --status success --message " + shlex.quote(f"{RUN} succeeded: bronze, silver, DQ and gold are up to date"),
    )
    last >> notify_success

    # Failure path: fires as soon as any pipeline task fails (downstream ones become upstream_failed).
    notify_failure = cli_task(
        "notify_failure",
        f"{notify} --status failure --message " + shlex.quote(f"{RUN} failed; see the task logs in Airflow"),
        trigger_rule=TriggerRule.ONE_FAILED,
    )
    # Runs last, whatever happened: stops the job runs this DAG run started that are still running
    # (a task that timed out leaves its Glue run or Spark process behind otherwise).
    cleanup = cli_task("cleanup", f"{ORCHESTRATION['cleanup']} {LABEL}", trigger_rule=TriggerRule.ALL_DONE)

    list(pipeline.values()) >> notify_failure
    [*pipeline.values(), notify_success, notify_failure] >> cleanup

    # A DAG run's state comes from its leaf tasks. Without this task the leaf would be `cleanup`, which
    # succeeds on the failure path too, and a failed pipeline would show as a successful run. This
    # "watcher" is skipped when everything succeeded and fails the run when anything failed.
    @task(task_id="fail_run_on_failure", trigger_rule=TriggerRule.ONE_FAILED, retries=0)
    def fail_run_on_failure() -> None:
        raise AirflowException("a pipeline task failed; see notify_failure and the failed task's log")

    [*pipeline.values(), notify_success, notify_failure, cleanup] >> fail_run_on_failure()
