"""Airflow must be configured before it is imported: a throwaway AIRFLOW_HOME with SQLite, no examples,
and this checkout's dags folder. Never ~/airflow."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO / "airflow" / "dags"

os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="cdcctl-airflow-")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_FOLDER)
for name in ("CDCCTL_PROFILE", "CDC_PROFILE", "CDCCTL_BIN", "CDCCTL_WORKDIR", "CDCCTL_DAG_RETRIES", "CDCCTL_DAG_RETRY_DELAY_SECONDS"):
    os.environ.pop(name, None)


def pytest_configure(config):
    config.addinivalue_line("markers", "acceptance: runs the DAG with `airflow dags test` against the local stack (minutes)")
