"""The Airflow image (docker/airflow) agrees with the pinned Airflow and the DAG's expectations."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = (REPO / "docker" / "airflow" / "Dockerfile").read_text()


def pinned_airflow() -> str:
    text = (REPO / "runtime" / "requirements-airflow.txt").read_text()
    return re.search(r"^apache-airflow==(\S+)$", text, re.M).group(1)


def test_base_image_runs_the_pinned_airflow_on_python_3_11():
    base = re.search(r"^ARG AIRFLOW_IMAGE=apache/airflow:(\S+)-python(\S+)$", DOCKERFILE, re.M)
    assert base, "AIRFLOW_IMAGE must be a pinned apache/airflow:<version>-python<x.y> tag"
    assert base.group(1) == pinned_airflow()
    assert base.group(2) == "3.11"


def test_node_20_and_production_dependencies_only():
    assert re.search(r"^ARG NODE_IMAGE=node:20\.\d+", DOCKERFILE, re.M)
    assert "npm ci --omit=dev" in DOCKERFILE


def test_the_dag_is_in_the_dags_folder_where_it_finds_the_cli():
    # The DAG derives `node <repo>/bin/run.js` from its own path: <repo>/airflow/dags/<file>.
    assert "COPY airflow/dags ./airflow/dags" in DOCKERFILE
    assert "WORKDIR /opt/cdcctl" in DOCKERFILE
    assert "AIRFLOW__CORE__DAGS_FOLDER=/opt/cdcctl/airflow/dags" in DOCKERFILE
    assert "AIRFLOW__CORE__LOAD_EXAMPLES=False" in DOCKERFILE
    assert re.search(r"^USER airflow$", DOCKERFILE, re.M)
