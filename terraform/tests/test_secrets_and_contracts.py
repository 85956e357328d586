"""No secret leaves Secrets Manager, and the resources keep the names and settings the rest of
the project relies on (ARCHITECTURE.md): outputs read by cdcctl, the db-credentials secret,
logical replication, the five Glue jobs and their arguments, Kafka's listener."""
from __future__ import annotations

import re

import hcl2
import pytest
import yaml

from tf_hcl import TERRAFORM, all_dirs, modules, root, strings_in, unquote  # noqa: F401 (fixtures)

SECRET_VALUE = re.compile(r"password|secret_string|random_password\.[\w-]+\.result|private_key|\.token\b", re.I)
SECRET_LIKE_NAME = re.compile(r"password|secret_value|secret_string|token|private_key|credential", re.I)

CLI_OUTPUTS = {
    "region", "data_lake_bucket", "glue_database", "glue_job_names", "connect_url",
    "kafka_bootstrap_servers", "db_secret_name", "db_secret_arn", "alerts_topic_arn",
    "ecs_cluster_name", "ecs_service_names",
}


def test_root_has_every_output_the_cli_reads(root):
    missing = CLI_OUTPUTS - set(root.outputs)
    assert not missing, f"root outputs missing: {sorted(missing)}"


def test_ecs_service_names_maps_debezium_and_airflow(root):
    value = root.outputs["ecs_service_names"]["value"]
    assert set(value) == {"debezium", "airflow"}


def test_no_output_exposes_a_secret_value(root, modules):
    problems = []
    for where, tf in all_dirs(root, modules):
        for name, body in tf.outputs.items():
            for text in strings_in(body.get("value")):
                if SECRET_VALUE.search(text):
                    problems.append(f"{where}: output {name} = {text}")
    assert not problems, "\n".join(problems)


def test_secret_like_outputs_are_sensitive(root, modules):
    problems = [
        f"{where}: output {name}"
        for where, tf in all_dirs(root, modules)
        for name, body in tf.outputs.items()
        if SECRET_LIKE_NAME.search(name) and body.get("sensitive") is not True
    ]
    assert not problems, "secret-like outputs not marked sensitive:\n" + "\n".join(problems)


def test_no_secret_in_tfvars_or_variable_defaults(root, modules):
    for tfvars in (TERRAFORM / "envs").glob("*.tfvars"):
        with tfvars.open() as f:
            values = hcl2.load(f)
        leaked = [k for k in values if SECRET_LIKE_NAME.search(k)]
        assert not leaked, f"{tfvars.name} sets {leaked}"
    for where, tf in all_dirs(root, modules):
        for name, body in tf.variables.items():
            # A *_version is the rotation counter of a generated secret, never the secret.
            if SECRET_LIKE_NAME.search(name) and not name.endswith("_version"):
                assert "default" not in body or body["default"] in (None, '""'), f"{where}: {name} has a default"


def test_database_credentials_go_only_to_their_secrets(root, modules):
    """The master's to db-credentials; each pipeline role's (generated like it) to its own secret."""
    assert unquote(root.variables["db_secret_name"]["default"]) == "db-credentials"
    rds = modules["rds"]
    versions = {unquote(name): body for _, name, body, _ in rds.resources("aws_secretsmanager_secret_version")}
    assert set(versions) == {"db", "role"}
    role = versions["role"]
    assert "secret_string" not in role and role["for_each"] == "${toset(var.role_names)}"
    assert "ephemeral.aws_secretsmanager_random_password.role[each.key].random_password" in role["secret_string_wo"]
    assert re.search(r"\busername\s*=\s*each\.key", role["secret_string_wo"])
    version = versions["db"]
    # Write-only: the secret's value is sent to AWS and kept in no state or plan.
    assert "secret_string" not in version
    body = version["secret_string_wo"]
    for key in ("host", "port", "username", "password"):
        assert re.search(rf"\b{key}\s*=", body), f"secret JSON lacks {key}"
    assert "ephemeral.aws_secretsmanager_random_password.master.random_password" in body
    assert version["secret_string_wo_version"] == "${var.password_version}"
    (_, _, db, _), = rds.resources("aws_db_instance")
    assert "password" not in db
    assert db["password_wo"] == "${ephemeral.aws_secretsmanager_random_password.master.random_password}"
    assert db["password_wo_version"] == "${var.password_version}"
    assert db["publicly_accessible"] is False and db["storage_encrypted"] is True
    assert db["iam_database_authentication_enabled"] is True
    assert db["performance_insights_enabled"] is True
    assert db["deletion_protection"] == "${var.deletion_protection}"


def test_no_random_provider_and_the_password_is_ephemeral(root, modules):
    for where, tf in all_dirs(root, modules):
        for file, doc in tf.files.items():
            text = " ".join(strings_in(doc))
            assert not re.search(r"(?<![\w.])random_\w+\.\w+", text), f"{where}/{file} uses a hashicorp/random resource"
            assert "uuid()" not in text, f"{where}/{file} uses uuid(), which changes at every plan"
            assert not any(unquote(t).startswith("random_") for t, *_ in tf.resources()), f"{where} declares a random_ resource"
        for entry in tf.files.get("versions.tf", {}).get("terraform", []):
            for providers in entry.get("required_providers", []):
                assert "random" not in providers, f"{where} requires hashicorp/random"
    ephemerals = [e for doc in modules["rds"].files.values() for e in doc.get("ephemeral", [])]
    assert ephemerals and '"aws_secretsmanager_random_password"' in ephemerals[0]


def test_a_replaced_database_gets_its_passwords_written_to_the_secrets_again(modules):
    for _, name, version, _ in modules["rds"].resources("aws_secretsmanager_secret_version"):
        assert version["lifecycle"][0]["replace_triggered_by"] == ["${aws_db_instance.this.id}"], name


def test_each_database_lifetime_has_its_own_final_snapshot_name(modules):
    (_, _, db, _), = modules["rds"].resources("aws_db_instance")
    assert db["skip_final_snapshot"] is False
    assert "${terraform_data.final_snapshot_suffix.output}" in db["final_snapshot_identifier"]


def test_rds_turns_on_logical_replication_on_postgres_16(modules):
    (_, _, group, _), = modules["rds"].resources("aws_db_parameter_group")
    assert unquote(group["family"]) == "postgres16"
    params = {unquote(p["name"]): unquote(p["value"]) for p in group["parameter"]}
    assert params["rds.logical_replication"] == "1"


def test_connect_reads_debeziums_role_secret_at_run_time(root, modules):
    (_, connect, _), = modules["ecs"].blocks("module")
    # each of the catalog's connect.secret_env names becomes the worker's environment from one key of
    # the secret, read by ECS when a task starts (never in the task definition)
    assert "var.secret_env" in connect["secrets"] and "${var.db_secret_arn}:${s.secret_key}::" in connect["secrets"]
    assert connect["secret_arns"] == ["${var.db_secret_arn}"]
    assert connect["container_port"] == 8083
    (_, ecs_call, _), = [b for b in root.blocks("module") if b[0] == "ecs"]
    # the replication role's secret, never the master's
    assert unquote(ecs_call["db_secret_arn"]) == "${module.rds.role_secret_arns[local.catalog.source.roles.replication]}"
    assert "local.catalog.connect.secret_env" in ecs_call["secret_env"]
    catalog = yaml.safe_load((TERRAFORM.parent / "pipeline.yaml").read_text())
    assert catalog["connect"]["secret_env"]["database.password"]["secret_key"] == "password"
    # The building block hands them to ECS as the container's secrets, read when a task starts.
    block = modules["fargate-service"]
    assert "var.secrets" in block.locals["optional_container_keys"]["secrets"]
    assert "local.optional_container_keys" in block.locals["container"]
    (_, _, task, _), = block.resources("aws_ecs_task_definition")
    assert task["container_definitions"] == "${jsonencode([local.container])}"


def test_every_fargate_service_may_log_ecs_exec_to_the_cluster_group(root, modules):
    block = modules["fargate-service"]
    assert "default" not in block.variables["exec_log_group_arn"]
    (task_policy,) = [d['"task"'] for entry in block.files["main.tf"]["data"]
                      for t, d in entry.items() if unquote(t) == "aws_iam_policy_document" and '"task"' in d]
    sids = {unquote(st["sid"]): st for st in task_policy["statement"]}
    assert [unquote(r) for r in sids["EcsExecLogs"]["resources"]] == ["${var.exec_log_group_arn}:*"]
    (_, airflow, _), = [b for b in root.blocks("module") if b[0] == "airflow"]
    assert airflow["exec_log_group_arn"] == "${module.ecs.exec_log_group_arn}"


def test_glue_runs_the_catalogs_jobs_on_the_glue_version_variable(root, modules):
    catalog = yaml.safe_load((TERRAFORM.parent / "pipeline.yaml").read_text())
    assert set(catalog["jobs"]) == {"kafka-to-bronze", "bronze-to-silver", "silver-to-gold", "data-quality", "lake-maintenance"}
    glue = modules["glue"]
    assert {unquote(k): unquote(v) for k, v in glue.locals["glue_command"].items()} == {"batch": "glueetl", "streaming": "gluestreaming"}
    (_, _, job, _), = glue.resources("aws_glue_job")
    assert job["for_each"] == "${var.jobs}"
    # which version, and that it matches the local runtime: test_runtime_versions.py
    assert unquote(job["glue_version"]) == "${var.glue_version}"
    assert unquote(job["command"][0]["script_location"]) == "${local.root}/scripts/${each.value.script}"
    assert job["security_configuration"] and job["connections"]
    (_, glue_call, _), = [b for b in root.blocks("module") if b[0] == "glue"]
    assert glue_call["jobs"] == "${module.catalog.glue_jobs}"
    assert glue_call["job_policy_statements"] == "${module.catalog.glue_job_statements}"


def test_glue_jobs_get_the_pipeline_arguments(root, modules):
    glue = modules["glue"]
    args = {unquote(k): unquote(v) for k, v in glue.locals["glue_arguments"].items()}
    assert args["--datalake-formats"] == "iceberg"
    assert args["--extra-py-files"] == "${local.root}/scripts/cdc_lake.zip"
    assert unquote(glue.locals["root"]) == "s3://${var.bucket_name}"
    assert unquote(glue.variables["database_name"]["default"]) == "cdc"
    # The pipeline's own arguments are the catalog's `provided` values Terraform knows.
    (_, catalog_call, _), = [b for b in root.blocks("module") if b[0] == "catalog"]
    provided = {k: unquote(v) for k, v in catalog_call["provided_arguments"].items()}
    assert provided == {
        "storage_root": "${module.s3.storage_root}", "catalog": "glue", "kafka_brokers": "${module.kafka.bootstrap_servers}",
        "db_secret_name": "${module.rds.role_secret_names[local.catalog.source.roles.quality]}", "region": "${var.region}",
        "db_ca_file": "${local.catalog.tls.job_ca_file}",
    }
    assert "yamldecode(file(\"${path.module}/../pipeline.yaml\"))" in root.locals["catalog"]


def test_glue_connection_is_a_network_connection(modules):
    (_, _, conn, _), = modules["glue"].resources("aws_glue_connection")
    assert unquote(conn["connection_type"]) == "NETWORK"


def test_kafka_broker_is_private_encrypted_and_imdsv2_only(modules):
    (_, _, broker, _), = modules["kafka"].resources("aws_instance")
    assert broker["associate_public_ip_address"] is False
    assert broker["monitoring"] is True
    assert unquote(broker["metadata_options"][0]["http_tokens"]) == "required"
    assert broker["root_block_device"][0]["encrypted"] is True
    assert unquote(modules["kafka"].variables["kafka_version"]["default"]) == "4.3.1"
    user_data = (TERRAFORM / "modules" / "kafka" / "user_data.sh.tftpl").read_text()
    assert "process.roles=broker,controller" in user_data
    assert "PLAINTEXT://${advertised_host}:9092" in user_data
    assert "kafka-storage.sh\" format" in user_data and "systemctl enable --now kafka.service" in user_data


def test_kafka_logs_live_on_a_volume_that_outlives_the_broker(modules):
    kafka = modules["kafka"]
    (_, _, volume, _), = kafka.resources("aws_ebs_volume")
    assert volume["encrypted"] is True and volume["kms_key_id"] == "${var.kms_key_arn}"
    (_, _, attachment, _), = kafka.resources("aws_volume_attachment")
    assert attachment["volume_id"] == "${aws_ebs_volume.data.id}" and attachment["instance_id"] == "${aws_instance.broker.id}"
    assert attachment["stop_instance_before_detaching"] is True
    (_, _, broker, _), = kafka.resources("aws_instance")
    # volume_tags would claim the attached data volume too and fight its own tags.
    assert "volume_tags" not in broker
    user_data = (TERRAFORM / "modules" / "kafka" / "user_data.sh.tftpl").read_text()
    assert "log.dirs=$${DATA_DIR}" in user_data and "DATA_MOUNT=/var/lib/kafka" in user_data
    # The cluster id is made on the broker, once, with the volume's first format; never by Terraform.
    assert "kafka-storage.sh\" random-uuid" in user_data and 'if [ ! -f "$${DATA_DIR}/meta.properties" ]' in user_data
    assert "cluster_id" not in kafka.outputs


def test_lake_bucket_is_encrypted_versioned_private_and_tls_only(modules):
    s3 = modules["s3"]
    (_, _, sse, _), = [r for r in s3.resources("aws_s3_bucket_server_side_encryption_configuration") if r[1] == "lake"]
    rule = sse["rule"][0]["apply_server_side_encryption_by_default"][0]
    assert unquote(rule["sse_algorithm"]) == "aws:kms"
    blocks = [r[2] for r in s3.resources("aws_s3_bucket_public_access_block")]
    assert blocks and all(b[k] is True for b in blocks for k in
                          ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
    policy_text = " ".join(strings_in(s3.files["main.tf"]["data"]))
    assert "aws:SecureTransport" in policy_text
    prefixes = [unquote(p) for p in s3.locals["lake_prefixes"]]
    assert prefixes == ["iceberg/", "checkpoints/", "dlq/", "scripts/", "dq/"]


@pytest.mark.parametrize("flow", [("connect", "rds", 5432), ("connect", "kafka", 9092), ("glue", "kafka", 9092),
                                  ("glue", "rds", 5432), ("airflow", "connect", 8083), ("connect", "connect", 8083)])
def test_security_groups_allow_the_pipeline_flows(modules, flow):
    flows = modules["vpc"].locals["flows"]
    found = [(unquote(f["from"]), unquote(f["to"]), f["port"]) for f in flows.values()]
    assert flow in found


def test_billing_alarm_lives_in_us_east_1(modules):
    mon = modules["monitoring"]
    (_, _, alarm, _), = [r for r in mon.resources("aws_cloudwatch_metric_alarm") if r[1] == "billing"]
    assert alarm["provider"] == "${aws.us_east_1}"
    assert unquote(alarm["namespace"]) == "AWS/Billing" and unquote(alarm["metric_name"]) == "EstimatedCharges"
    (_, _, rule, _), = mon.resources("aws_cloudwatch_event_rule")
    assert "Glue Job State Change" in rule["event_pattern"] and "FAILED" in rule["event_pattern"]
