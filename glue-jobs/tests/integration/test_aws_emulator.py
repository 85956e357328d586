"""The aws code path end to end on an AWS API emulator: the jobs with --catalog glue and an s3:// storage root.

A moto server stands in for S3, the Glue Data Catalog and Secrets Manager. The jobs run with the
arguments the aws target gives them (terraform/catalog.tf provided_arguments, then the catalog's `aws`
defaults through the CLI's argumentsFor): --catalog glue makes the Iceberg catalog Iceberg's GlueCatalog
(on moto's Glue API) with S3FileIO (on moto's S3), the storage root is s3://<bucket>, so the streaming
checkpoint, the DLQ files, the run summaries and the data-quality report go to S3 too, and the source
database's credentials come from a Secrets Manager secret. Only the endpoints differ from Glue:
AWS_ENDPOINT_URL (cdc_lake.session.endpoint_conf). Spark is the CLI's local spark-submit (src/lib/spark.ts,
s3:// through S3A as on Glue 6.0); Kafka, Connect and Postgres are the local stack's.

One pass (kafka_to_bronze with a poison record, bronze_to_silver; then an update of a key silver holds,
kafka_to_bronze, bronze_to_silver, silver_to_gold, data_quality), then each test checks one thing:
silver equals Postgres, a later run closes a version through a staging branch of the Glue table, the
DLQ file is on S3 and `cdcctl dlq` reads it through an aws profile, the data-quality report is there
and `cdcctl dq history` reads it.
"""
import hashlib
import json
import os
import socket
import subprocess
import time
import uuid

import boto3
import pytest

from cdc_lake import catalog
from cdc_lake.session import endpoint_conf

from .conftest import (
    JOB_TIMEOUT, REPO, STATE_DIR, TABLES, Changes, assert_silver_matches_postgres, cli, profile, run_job,
    topic_end_offsets, wait_for_kafka,
)
from .test_dlq_e2e import key_text, produce

pytestmark = pytest.mark.integration

REGION = "ap-south-1"
BUCKET = "cdc-lake-it"
ROOT = f"s3://{BUCKET}"
S3_CATALOG = "cdc_s3"
NAMESPACE = catalog.namespace()
USERS_TOPIC = catalog.topic("users")
QUALITY_ROLE = catalog.load()["source"]["roles"]["quality"]
SECRET_NAME = f"cdc-it/db/{QUALITY_ROLE}"
RULES_FILE = REPO / "dq" / "rules.yaml"
JOBS = ("kafka-to-bronze", "bronze-to-silver", "silver-to-gold", "data-quality")


# --------------------------------------------------------------------------------------------- moto

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto(log_dir, timeout=60):
    """A moto server from the project's .venv on a free loopback port: (process, endpoint URL)."""
    for _ in range(3):
        port = _free_port()
        log = log_dir / f"moto-{port}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([str(REPO / ".venv" / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                                    stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            # Werkzeug's banner: only now is the port ours
            if f"Running on http://127.0.0.1:{port}".encode() in log.read_bytes():
                return proc, f"http://127.0.0.1:{port}"
            time.sleep(0.2)
        proc.kill()
        proc.wait()
    pytest.fail(f"moto server did not start: {log.read_text(errors='replace')[-1000:]}")


def aws_env(endpoint):
    """What points the AWS SDKs (boto3, the JVM's SDK v2, the CLI's SDK v3) at the emulator."""
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}


def with_env(extra):
    """This process's environment with `extra`, without a named AWS profile (its keys would win)."""
    return {**{k: v for k, v in os.environ.items() if k not in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")}, **extra}


def client(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def provision(endpoint):
    """What Terraform creates for the jobs, as far as they read it: the lake bucket, the Glue database
    (location {root}/iceberg/, modules/glue), the read-only role's database secret (modules/rds); and the
    rules staged as `dq check` stages them on aws (AwsTarget.stageRules). Returns the staged rules' URI."""
    s3 = client("s3", endpoint)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    client("glue", endpoint).create_database(DatabaseInput={"Name": NAMESPACE, "LocationUri": f"{ROOT}/iceberg/"})
    pg = profile()["postgres"]
    password = json.loads((STATE_DIR / "secrets" / f"{QUALITY_ROLE}.json").read_text())["password"]
    # Emulator gap: on aws the secret names the RDS endpoint; here it names the local stack's Postgres.
    client("secretsmanager", endpoint).create_secret(Name=SECRET_NAME, SecretString=json.dumps({
        "engine": "postgres", "host": pg["host"], "port": int(pg["port"]), "username": QUALITY_ROLE,
        "password": password, "dbname": pg["database"]}))
    text = RULES_FILE.read_bytes()
    key = f"dq/rules/{hashlib.sha256(text).hexdigest()[:16]}.yaml"
    s3.put_object(Bucket=BUCKET, Key=key, Body=text)
    return f"{ROOT}/{key}"


# --------------------------------------------------------------------------------------------- jobs

_SUBMIT_JS = r"""
const root = process.argv[1]
const {sparkSubmitCommand} = require(root + '/dist/lib/spark')
const {argumentsFor} = require(root + '/dist/lib/jobs/arguments')
const {jobSpec} = require(root + '/dist/lib/catalog')
const {job, provided, args} = JSON.parse(process.argv[2])
const full = argumentsFor(job, 'aws', provided, args)
const {cmd, argv, env} = sparkSubmitCommand(jobSpec(job).script, full)
process.stdout.write(JSON.stringify({cmd, argv, env}))
"""


def submit_command(job, provided, args, env):
    """The CLI's spark-submit command (the local runner's) for `job` with the aws target's arguments."""
    spec = json.dumps({"job": job, "provided": provided, "args": args})
    proc = subprocess.run(["node", "-e", _SUBMIT_JS, str(REPO), spec], capture_output=True, text=True, cwd=REPO,
                          env=with_env(env), timeout=60)
    if proc.returncode != 0:
        pytest.fail(f"building the spark-submit command of {job} failed (is dist/ built?): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def run_glue_job(job, provided, env, log_dir, **args):
    """Run one job to its end; returns (exit status, the summary it printed as its last line)."""
    run_id = f"{job}-aws-it-{uuid.uuid4().hex[:8]}"
    command = submit_command(job, {**provided, "run_id": run_id}, args, env)
    log = log_dir / f"{run_id}.log"
    started = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.run([command["cmd"], *command["argv"]], env=command["env"], stdout=subprocess.PIPE,
                              stderr=out, text=True, timeout=JOB_TIMEOUT, cwd=REPO)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        pytest.fail(f"{job} printed no summary (exit {proc.returncode}); log tail:\n"
                    + "\n".join(log.read_text(errors="replace").splitlines()[-40:]))
    summary = json.loads(lines[-1])
    summary["_log"] = str(log)
    summary["_seconds"] = round(time.monotonic() - started)
    return proc.returncode, summary


def assert_succeeded(job, status, summary):
    assert status == 0 and summary.get("status") == "succeeded", (
        f"{job} on the emulator: exit {status}, summary {json.dumps(summary)[:2000]}\nlog tail:\n"
        + "\n".join(open(summary["_log"], errors="replace").read().splitlines()[-40:]))


@pytest.fixture(scope="module")
def aws(pg, tmp_path_factory):
    """moto up and provisioned; changes in Postgres and one poison record in Kafka; the four jobs run."""
    work = tmp_path_factory.mktemp("aws-emulator")
    proc, endpoint = start_moto(work)
    env = aws_env(endpoint)
    state = {"endpoint": endpoint, "env": env, "work": work, "runs": {}}
    poisoned = False
    try:
        rules = provision(endpoint)
        # terraform/catalog.tf provided_arguments, with the emulator's values
        provided = {
            "storage_root": ROOT, "catalog": "glue", "kafka_brokers": ",".join(profile()["kafka"]["brokers"]),
            "db_secret_name": SECRET_NAME, "region": REGION,
            # Emulator gap: Glue verifies RDS against Amazon's bundle (--extra-files rds-ca.pem); here the
            # local Postgres is verified against the local stack's CA.
            "db_ca_file": str(STATE_DIR / "tls" / "ca.pem"),
            "dq_rules": rules,
        }
        tag = f"itaws{uuid.uuid4().hex[:8]}"
        baseline = topic_end_offsets()
        ch = Changes(pg)
        kept = ch.insert("users", email=f"{tag}-kept@aws.example", full_name="Aws Kept", country="IN")
        ch.update("users", kept, full_name=f"Aws Kept renamed {tag}")
        gone = ch.insert("users", email=f"{tag}-gone@aws.example", full_name="Aws Gone", country="IN")
        product = ch.insert("products", name=f"aws widget {tag}", price=120, status="active")
        ch.insert("orders", user_id=kept, product_id=product, quantity=2, total_amount=240, status="pending")
        ch.delete("users", gone)
        # a value cut mid-envelope: not JSON, so bronze dead-letters it (MALFORMED_JSON)
        (sent,) = produce(USERS_TOPIC, [(key_text(kept), '{"before": null, "after": {"id": ')])
        poisoned = True
        state["poison"] = f"{sent['topic']}:{sent['partition']}:{sent['offset']}"
        expected = dict(ch.expected)
        expected[USERS_TOPIC] += 1
        wait_for_kafka(baseline, expected)
        # Test-only: on aws the bronze job streams (the catalog's aws default, trigger continuous); once
        # drains Kafka and ends.
        def run(name, job, **args):
            if all(s == 0 for s, _ in state["runs"].values()):
                state["runs"][name] = run_glue_job(job, provided, env, work, **args)
        run("kafka-to-bronze", "kafka-to-bronze", trigger="once")
        run("bronze-to-silver (first round)", "bronze-to-silver")
        # a second round updates a version silver on Glue already holds: bronze_to_silver then stages a
        # delete and an append on a branch of the Glue table and publishes them (silver.stage_history)
        baseline, again = topic_end_offsets(), Changes(pg)
        again.update("users", kept, full_name=f"Aws Kept second round {tag}")
        wait_for_kafka(baseline, again.expected)
        state["kept"], state["tag"] = kept, tag
        run("kafka-to-bronze (second round)", "kafka-to-bronze", trigger="once")
        for job in JOBS[1:]:
            run(job, job)
        # what the pass costs, for CI's budget (pytest -s or -rP shows it)
        print("aws emulator: " + ", ".join(f"{job} {s['_seconds']}s" for job, (_, s) in state["runs"].items()))
        yield state
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if poisoned:
            # The poison sits in a catalog topic: the local lake's bronze job takes it into the local DLQ
            # now, so the tests that count that DLQ's new records (test_dlq_e2e, the drills) do not meet it.
            started = time.monotonic()
            run_job("kafka-to-bronze")
            print(f"aws emulator: local lake's kafka-to-bronze (takes the poison) {time.monotonic() - started:.0f}s")


@pytest.fixture(scope="module")
def s3_lake(aws, lake):
    """Catalog `cdc_s3` of the test's SparkSession: the emulator's Glue catalog and S3, as the jobs saw them."""
    prefix = f"spark.sql.catalog.{S3_CATALOG}"
    system = lake._jvm.java.lang.System
    # this JVM started before the emulator: the SDK's credentials and region as system properties
    props = {"aws.accessKeyId": "testing", "aws.secretAccessKey": "testing", "aws.region": REGION}
    for key, value in props.items():
        system.setProperty(key, value)
    conf = {prefix: "org.apache.iceberg.spark.SparkCatalog",
            f"{prefix}.catalog-impl": "org.apache.iceberg.aws.glue.GlueCatalog",
            f"{prefix}.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
            f"{prefix}.warehouse": f"{ROOT}/iceberg", f"{prefix}.cache-enabled": "false",
            **{k: v for k, v in endpoint_conf(prefix, aws["env"]).items() if k.startswith(prefix)}}
    for key, value in conf.items():
        lake.conf.set(key, value)
    yield lake
    for key in props:
        system.clearProperty(key)


def test_the_four_jobs_succeed_with_the_glue_catalog_on_s3(aws):
    for job in JOBS:
        assert job in aws["runs"], f"{job} did not run: an earlier job failed"
    for job, run in aws["runs"].items():
        assert_succeeded(job, *run)
    # each run's summary is on S3, where the aws target's job runner reads it
    s3 = client("s3", aws["endpoint"])
    for job, (_, summary) in aws["runs"].items():
        body = s3.get_object(Bucket=BUCKET, Key=f"jobs/{summary['job_run_id']}.json")["Body"].read()
        assert json.loads(body)["status"] == "succeeded", f"{job}: summary on S3 {body[:500]!r}"


def test_tables_are_in_the_glue_catalog_under_the_storage_root(aws):
    glue = client("glue", aws["endpoint"])
    names = {t["Name"] for page in glue.get_paginator("get_tables").paginate(DatabaseName=NAMESPACE)
             for t in page["TableList"]}
    wanted = {catalog.bronze_table(), *(f"silver_{t}" for t in TABLES), *catalog.gold_tables()}
    assert wanted <= names, f"missing from Glue database {NAMESPACE}: {sorted(wanted - names)}"
    for name in sorted(wanted):
        params = glue.get_table(DatabaseName=NAMESPACE, Name=name)["Table"]["Parameters"]
        assert params.get("table_type", "").upper() == "ICEBERG", f"{name}: {params}"
        assert params["metadata_location"].startswith(f"{ROOT}/iceberg/"), f"{name}: {params['metadata_location']}"
        key = params["metadata_location"][len(ROOT) + 1:]
        client("s3", aws["endpoint"]).head_object(Bucket=BUCKET, Key=key)  # the metadata file is on S3


@pytest.mark.parametrize("tbl", list(TABLES))
def test_silver_on_s3_equals_postgres(aws, s3_lake, pg, tbl):
    assert_silver_matches_postgres(s3_lake, pg, tbl, S3_CATALOG)


def test_silver_on_glue_closes_a_version_in_a_later_run_and_leaves_no_staging_branch(aws, s3_lake):
    table = f"{S3_CATALOG}.{NAMESPACE}.silver_users"
    versions = s3_lake.table(table).where(f"id = {aws['kept']}").orderBy("_source_lsn").collect()
    tag = aws["tag"]
    assert [(r.full_name, r._is_current) for r in versions] == [
        ("Aws Kept", False), (f"Aws Kept renamed {tag}", False), (f"Aws Kept second round {tag}", True)]
    assert versions[1]._valid_to == versions[2]._valid_from
    assert [r.name for r in s3_lake.sql(f"SELECT name FROM {table}.refs").collect()] == ["main"]


def test_gold_on_s3_holds_what_the_job_wrote(aws, s3_lake):
    written = aws["runs"]["silver-to-gold"][1]["tables"]
    assert set(written) == set(catalog.gold_tables())
    counts = {name: s3_lake.table(f"{S3_CATALOG}.{NAMESPACE}.{name}").count() for name in written}
    assert counts == written
    assert counts["gold_user_analytics"] > 0


def _dlq_objects(aws):
    s3 = client("s3", aws["endpoint"])
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="dlq/bronze/")
            for o in page.get("Contents", [])]
    return {k: [json.loads(line) for line in s3.get_object(Bucket=BUCKET, Key=k)["Body"].read().decode().splitlines()]
            for k in keys}


def aws_profile_cli(aws, *args):
    """cdcctl on an aws profile whose storage root is the emulator's bucket."""
    cwd = aws["work"] / "cli"
    cwd.mkdir(exist_ok=True)
    (cwd / "cdcctl.config.json").write_text(json.dumps(
        {"profiles": {"aws": {"target": "aws", "region": REGION, "storage": {"root": ROOT}}}}))
    return cli(*args, "--profile", "aws", cwd=cwd, env=aws["env"])["result"]


def test_poison_record_is_dead_lettered_on_s3_and_the_cli_reads_it(aws):
    bronze = aws["runs"]["kafka-to-bronze"][1]
    assert bronze["dlq_files"] and all(f.startswith(f"{ROOT}/dlq/bronze/dt=") for f in bronze["dlq_files"]), bronze
    objects = _dlq_objects(aws)
    assert {f"{ROOT}/{k}" for k in objects} == set(bronze["dlq_files"])
    ours = [r for records in objects.values() for r in records
            if f"{r['topic']}:{r['partition']}:{r['offset']}" == aws["poison"]]
    assert len(ours) == 1 and ours[0]["error_class"] == "MALFORMED_JSON", ours
    total = sum(len(records) for records in objects.values())
    assert bronze["dlq_count"] == total

    listed = aws_profile_cli(aws, "dlq", "list")
    assert listed["total"] == total, listed
    records = aws_profile_cli(aws, "dlq", "inspect", "--topic", USERS_TOPIC, "--limit", "1000000")["records"]
    found = [r for r in records if r["origin"] == aws["poison"]]
    assert [r["errorClass"] for r in found] == ["MALFORMED_JSON"], found


def test_data_quality_report_is_on_s3_and_the_cli_reads_it(aws):
    summary = aws["runs"]["data-quality"][1]
    run_id = summary["job_run_id"]
    assert summary["results"] == f"{ROOT}/dq/results/{run_id}.json", summary
    body = client("s3", aws["endpoint"]).get_object(Bucket=BUCKET, Key=f"dq/results/{run_id}.json")["Body"].read()
    report = json.loads(body)
    assert report["run_id"] == run_id and report["passed"] is True, json.dumps(report)[:2000]
    assert report["rules_file"].startswith(f"{ROOT}/dq/rules/"), report["rules_file"]
    counts = {s: sum(1 for r in report["rules"] if r["status"] == s) for s in ("pass", "fail", "warn", "error")}
    assert counts == {s: summary[s] for s in counts}, (counts, summary)
    assert counts["pass"] > 0

    runs = {r["runId"]: r for r in aws_profile_cli(aws, "dq", "history")["runs"]}
    assert run_id in runs and runs[run_id]["passed"] is True, f"dq history on the aws profile: {runs}"
