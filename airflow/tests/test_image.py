"""The Airflow image (docker/airflow) agrees with the pinned Airflow and the DAG's expectations."""

from __future__ import annotations

import json
import os
import re
import subprocess
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


def test_the_image_holds_the_pipeline_catalog_where_the_cli_and_the_dag_read_it():
    # <repo>/pipeline.yaml: the CLI reads it from its package root, the DAG from <repo> (its parents[2]).
    assert "COPY pipeline.yaml ./" in DOCKERFILE
    assert "!pipeline.yaml" in (REPO / "docker" / "airflow" / "Dockerfile.dockerignore").read_text()


def test_the_entrypoint_gives_cdcctl_the_glue_job_names_terraform_passes(tmp_path):
    # What the Terraform airflow module sets (CDC_GLUE_JOB_<NAME>) is what `cdcctl job run` starts.
    env = {"PATH": os.environ["PATH"], "CDCCTL_HOME": str(tmp_path), "CDC_PROFILE": "aws",
           "CDC_GLUE_JOB_BRONZE_TO_SILVER": "cdcctl-dev-bronze-to-silver",
           "CDC_GLUE_JOB_LAKE_MAINTENANCE": "cdcctl-dev-lake-maintenance"}
    subprocess.run(["node", str(REPO / "docker" / "airflow" / "write-config.js")], env=env, check=True)
    shown = subprocess.run(["node", str(REPO / "bin" / "run.js"), "config", "show", "--json"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    glue = json.loads(shown.stdout)["result"]["glue"]["jobNames"]
    assert glue["bronze-to-silver"] == "cdcctl-dev-bronze-to-silver"
    assert glue["lake-maintenance"] == "cdcctl-dev-lake-maintenance"
    assert glue["silver-to-gold"] == "silver-to-gold"  # not passed: the default name
