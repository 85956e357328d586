"""Hourly CDC lakehouse run: health -> connector setup -> Kafka->bronze->silver -> DQ -> silver->gold -> gold DQ
-> lake maintenance -> notify.

Every task shells out to the cdcctl CLI (``--json --profile <profile>``), so the DAG holds no pipeline
logic of its own: what a task does is exactly what an operator would type, and its log is the CLI's
JSON result. Environment:

- ``CDCCTL_PROFILE`` (or Terraform's ``CDC_PROFILE``): the cdcctl profile, default ``local``.
- ``CDCCTL_BIN``: how to run the CLI, default ``node <repo>/bin/run.js`` of the checkout this file is in.
- ``CDCCTL_WORKDIR``: where the CLI runs (it finds ``cdcctl.config.*`` and ``.cdcctl/`` state from
  there), default the same checkout.
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
from airflow.exceptions import AirflowException
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, TriggerRule, task

DAG_ID = "cdc_pipeline_orchestration"
REPO = Path(__file__).resolve().parents[2]

PROFILE = os.environ.get("CDCCTL_PROFILE") or os.environ.get("CDC_PROFILE") or "local"
CDCCTL = os.environ.get("CDCCTL_BIN") or f"{shutil.which('node') or 'node'} {shlex.quote(str(REPO / 'bin' / 'run.js'))}"
WORKDIR = os.environ.get("CDCCTL_WORKDIR") or str(REPO)

# Terraform's airflow module names these CDC_*; the CLI reads CDCCTL_*. An explicit CDCCTL_* wins.
TERRAFORM_ENV = {
    "CDC_CONNECT_URL": "CDCCTL_CONNECT_URL",
    "CDC_KAFKA_BOOTSTRAP_SERVERS": "CDCCTL_KAFKA_BROKERS",
    "CDC_STORAGE_ROOT": "CDCCTL_STORAGE_ROOT",
    "CDC_ALERTS_TOPIC_ARN": "CDCCTL_ALERTS_TOPIC_ARN",
}
CLI_ENV = {
    cli: os.environ[tf]
    for tf, cli in TERRAFORM_ENV.items()
    if os.environ.get(tf) and not os.environ.get(cli)
}


def cdcctl(args: str) -> str:
    """The shell command for one cdcctl invocation, always machine-readable and on the DAG's profile."""
    return f"{CDCCTL} {args} --json --profile {shlex.quote(PROFILE)}"


def cli_task(task_id: str, args: str, **kwargs) -> BashOperator:
    return BashOperator(
        task_id=task_id,
        bash_command=cdcctl(args),
        env=CLI_ENV,
        append_env=True,  # keep PATH, AWS_* and CDCCTL_* of the worker
        cwd=WORKDIR,
        do_xcom_push=False,  # the result is in the log; XCom would only hold its last line
        **kwargs,
    )


default_args = {
    "owner": "data-platform",
    "retries": int(os.environ.get("CDCCTL_DAG_RETRIES", "2")),
    "retry_delay": timedelta(seconds=int(os.environ.get("CDCCTL_DAG_RETRY_DELAY_SECONDS", "60"))),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=15),
    "execution_timeout": timedelta(minutes=10),
}

JOB_TIMEOUT = timedelta(minutes=90)
SILVER_TABLES = ["silver_users", "silver_products", "silver_orders"]
GOLD_TABLES = ["gold_user_analytics", "gold_product_analytics", "gold_sales_summary"]
RUN = "{{ dag.dag_id }} run {{ run_id }}"


def dq_check(task_id: str, tables: list[str]) -> BashOperator:
    """`dq check` over some tables: exit 1 when a fail-severity rule fails, which fails the task."""
    return cli_task(task_id, "dq check " + " ".join(f"--table {t}" for t in tables), execution_timeout=JOB_TIMEOUT)


with DAG(
    dag_id=DAG_ID,
    description="CDC lakehouse: health, connector, Kafka->bronze->silver, data quality, silver->gold, gold quality, maintenance, notify",
    schedule="@hourly",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["cdc", "lakehouse", "cdcctl"],
    doc_md=__doc__,
) as dag:
    # Phase 1: fail fast when Kafka or the Connect worker is down. `connector list` (not `status`)
    # so a fresh stack, where the connector is not registered yet, still passes to phase 2.
    check_kafka = cli_task("check_kafka", "kafka topics")
    check_debezium = cli_task("check_debezium", "connector list")

    # Phase 2: idempotent, so every run heals a deleted or missing connector.
    setup_debezium_connector = cli_task("setup_debezium_connector", "connector register")

    # Phase 3: its own task rather than folded into bronze_to_silver, so a Kafka/streaming failure and
    # a MERGE failure show (and retry) separately; bronze_to_silver only sees what this run ingested.
    kafka_to_bronze = cli_task("kafka_to_bronze", "job run kafka-to-bronze", execution_timeout=JOB_TIMEOUT)
    bronze_to_silver = cli_task("bronze_to_silver", "job run bronze-to-silver", execution_timeout=JOB_TIMEOUT)

    # Phase 4: exit 1 when a fail-severity rule fails, which stops gold from being built on bad silver.
    # Silver rules only: gold does not exist yet on a first run, and this run's gold is not built yet.
    data_quality_check = dq_check("data_quality_check", SILVER_TABLES)

    # Phase 5, then its own rules (gold totals equal those of current silver rows), so a gold table
    # that disagrees with silver fails the run and alerts instead of being reported as up to date.
    silver_to_gold = cli_task("silver_to_gold", "job run silver-to-gold", execution_timeout=JOB_TIMEOUT)
    gold_quality_check = dq_check("gold_quality_check", GOLD_TABLES)

    # Compaction and snapshot expiry, after the run's writes so they never race a MERGE. The job
    # compacts a table only when enough delete or small files piled up, so most hours it only expires.
    lake_maintenance = cli_task("lake_maintenance", "job run lake-maintenance", execution_timeout=JOB_TIMEOUT)

    # Phase 6.
    notify_success = cli_task(
        "notify_success",
        "notify --status success --message " + shlex.quote(f"{RUN} succeeded: bronze, silver, DQ and gold are up to date"),
    )

    pipeline = [
        check_kafka,
        check_debezium,
        setup_debezium_connector,
        kafka_to_bronze,
        bronze_to_silver,
        data_quality_check,
        silver_to_gold,
        gold_quality_check,
        lake_maintenance,
    ]
    [check_kafka, check_debezium] >> setup_debezium_connector >> kafka_to_bronze >> bronze_to_silver
    bronze_to_silver >> data_quality_check >> silver_to_gold >> gold_quality_check >> lake_maintenance >> notify_success

    # Failure path: fires as soon as any pipeline task fails (downstream ones become upstream_failed).
    notify_failure = cli_task(
        "notify_failure",
        "notify --status failure --message " + shlex.quote(f"{RUN} failed; see the task logs in Airflow"),
        trigger_rule=TriggerRule.ONE_FAILED,
    )
    # Runs last, whatever happened: the recent job runs (state, duration, error) land in this run's log.
    cleanup = cli_task("cleanup", "job list --limit 10", trigger_rule=TriggerRule.ALL_DONE)

    pipeline >> notify_failure
    [*pipeline, notify_success, notify_failure] >> cleanup

    # A DAG run's state comes from its leaf tasks. Without this task the leaf would be `cleanup`, which
    # succeeds on the failure path too, and a failed pipeline would show as a successful run. This
    # "watcher" is skipped when everything succeeded and fails the run when anything failed.
    @task(task_id="fail_run_on_failure", trigger_rule=TriggerRule.ONE_FAILED, retries=0)
    def fail_run_on_failure() -> None:
        raise AirflowException("a pipeline task failed; see notify_failure and the failed task's log")

    [*pipeline, notify_success, notify_failure, cleanup] >> fail_run_on_failure()
