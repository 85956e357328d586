# Module contracts with a mocked AWS provider (nothing is created): what each module makes of its
# inputs, and the inputs its validations reject. The rds module is not here: mock providers cannot
# open ephemeral resources (its generated password) before Terraform 1.12; the emulator cycle
# (test/terraform/emulator) applies it for real.

mock_provider "aws" {
  source = "./tests"
}

mock_provider "aws" {
  alias  = "us_east_1"
  source = "./tests"
}

variables {
  name              = "cdcctl-dev"
  kms_key_arn       = "arn:aws:kms:ap-south-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  bucket_name       = "cdcctl-dev-lake-123456789012"
  bucket_arn        = "arn:aws:s3:::cdcctl-dev-lake-123456789012"
  subnet_id         = "subnet-0123456789abcdef0"
  availability_zone = "ap-south-1a"
  security_group_id = "sg-0123456789abcdef0"
  jobs = {
    "kafka-to-bronze" = { script = "kafka_to_bronze.py", kind = "streaming", default_arguments = { "--trigger" = "continuous" } }
    "data-quality" = {
      script            = "data_quality.py"
      kind              = "batch"
      python_modules    = ["psycopg[binary]==3.3.9"]
      default_arguments = { "--db-secret-name" = "db-credentials", "--region" = "ap-south-1" }
    }
  }
  job_policy_statements = [
    { sid = "ReadDbSecret0", actions = ["secretsmanager:GetSecretValue"], resources = ["arn:aws:secretsmanager:ap-south-1:123456789012:secret:db-credentials-AbCdEf"] },
  ]
}

# ---- glue ----

run "glue_makes_one_job_per_catalog_job_of_its_kind" {
  command = apply
  module {
    source = "./modules/glue"
  }

  assert {
    condition     = aws_glue_job.this["kafka-to-bronze"].command[0].name == "gluestreaming"
    error_message = "a streaming job is gluestreaming"
  }

  assert {
    condition     = aws_glue_job.this["data-quality"].command[0].name == "glueetl" && aws_glue_job.this["data-quality"].timeout == 60
    error_message = "a batch job is glueetl with the batch timeout"
  }

  assert {
    condition     = aws_glue_job.this["data-quality"].default_arguments["--additional-python-modules"] == "psycopg[binary]==3.3.9"
    error_message = "python_modules become --additional-python-modules"
  }

  assert {
    condition     = aws_glue_job.this["data-quality"].default_arguments["--db-secret-name"] == "db-credentials" && aws_glue_job.this["data-quality"].default_arguments["--datalake-formats"] == "iceberg"
    error_message = "a job gets its catalog arguments and Glue's own settings"
  }

  assert {
    condition     = !contains(keys(aws_glue_job.this["kafka-to-bronze"].default_arguments), "--additional-python-modules")
    error_message = "a job without python_modules gets no --additional-python-modules"
  }

  assert {
    condition     = data.aws_iam_policy_document.glue.statement[0].sid == "ReadDbSecret0" && contains(data.aws_iam_policy_document.glue.statement[0].actions, "secretsmanager:GetSecretValue")
    error_message = "the jobs' needs are statements of the Glue role"
  }

  assert {
    condition     = contains(flatten([for st in data.aws_iam_policy_document.glue.statement : st.resources if st.sid == "ReadWriteLakeData"]), "arn:aws:s3:::cdcctl-dev-lake-123456789012/jobs/*")
    error_message = "the jobs write their run summaries under jobs/, which cdcctl reads"
  }
}

run "glue_rejects_an_unknown_kind" {
  command = plan
  module {
    source = "./modules/glue"
  }
  variables {
    jobs = { "x" = { script = "x.py", kind = "continuous" } }
  }
  expect_failures = [var.jobs]
}

run "glue_rejects_a_job_argument_that_is_a_glue_setting" {
  command = plan
  module {
    source = "./modules/glue"
  }
  variables {
    jobs = { "x" = { script = "x.py", kind = "batch", default_arguments = { "--extra-py-files" = "s3://elsewhere/evil.zip" } } }
  }
  expect_failures = [var.jobs]
}

run "glue_rejects_a_statement_left_without_resources" {
  command = plan
  module {
    source = "./modules/glue"
  }
  variables {
    job_policy_statements = [{ sid = "PublishAlerts0", actions = ["sns:Publish"], resources = [] }]
  }
  expect_failures = [var.job_policy_statements]
}

# ---- airflow ----

run "airflow_task_role_is_exactly_the_statements_given" {
  command = apply
  module {
    source = "./modules/airflow"
  }
  variables {
    cluster_arn             = "arn:aws:ecs:ap-south-1:123456789012:cluster/cdcctl-dev"
    exec_log_group_arn      = "arn:aws:logs:ap-south-1:123456789012:log-group:/ecs/cdcctl-dev/exec"
    subnet_ids              = ["subnet-0123456789abcdef0"]
    connect_url             = "http://connect.cdc.internal:8083"
    kafka_bootstrap_servers = "kafka.cdc.internal:9092"
    glue_job_names          = { "bronze-to-silver" = "cdcctl-dev-bronze-to-silver" }
    alerts_topic_arn        = "arn:aws:sns:ap-south-1:123456789012:cdcctl-dev-alerts"
    db_secret_name          = "db-credentials"
    task_policy_statements = [
      { sid = "ReadDbSecret0", actions = ["secretsmanager:GetSecretValue"], resources = ["arn:aws:secretsmanager:ap-south-1:123456789012:secret:db-credentials-AbCdEf"] },
      { sid = "ReadDqResults0", actions = ["s3:ListBucket"], resources = ["arn:aws:s3:::cdcctl-dev-lake-123456789012"], condition = { test = "StringLike", variable = "s3:prefix", values = ["dq/results/", "dq/results/*"] } },
    ]
  }

  assert {
    condition     = [for st in data.aws_iam_policy_document.task.statement : st.sid] == ["ReadDbSecret0", "ReadDqResults0"]
    error_message = "the task role's own statements are exactly those given"
  }

  assert {
    condition     = one(data.aws_iam_policy_document.task.statement[1].condition).variable == "s3:prefix"
    error_message = "a statement's condition reaches the policy"
  }
}

run "airflow_rejects_a_statement_that_would_shadow_ecs_exec" {
  command = plan
  module {
    source = "./modules/airflow"
  }
  variables {
    cluster_arn             = "arn:aws:ecs:ap-south-1:123456789012:cluster/cdcctl-dev"
    exec_log_group_arn      = "arn:aws:logs:ap-south-1:123456789012:log-group:/ecs/cdcctl-dev/exec"
    subnet_ids              = ["subnet-0123456789abcdef0"]
    connect_url             = "http://connect.cdc.internal:8083"
    kafka_bootstrap_servers = "kafka.cdc.internal:9092"
    glue_job_names          = {}
    alerts_topic_arn        = "arn:aws:sns:ap-south-1:123456789012:cdcctl-dev-alerts"
    db_secret_name          = "db-credentials"
    task_policy_statements  = [{ sid = "EcsExec", actions = ["s3:GetObject"], resources = ["*"] }]
  }
  expect_failures = [var.task_policy_statements]
}

# ---- kafka ----

run "kafka_data_volume_is_attached_to_the_broker_in_its_zone" {
  command = apply
  module {
    source = "./modules/kafka"
  }
  variables {
    namespace_id   = "ns-0123456789abcdef"
    namespace_name = "cdc.internal"
  }

  assert {
    condition     = aws_ebs_volume.data.availability_zone == "ap-south-1a" && aws_ebs_volume.data.encrypted && aws_ebs_volume.data.size == 100
    error_message = "the data volume is encrypted, in the broker's zone, data_volume_size_gb large"
  }

  assert {
    condition     = aws_volume_attachment.data.volume_id == aws_ebs_volume.data.id && aws_volume_attachment.data.instance_id == aws_instance.broker.id && aws_volume_attachment.data.stop_instance_before_detaching
    error_message = "the volume is attached to the broker, which is stopped before it is detached"
  }

  assert {
    condition     = aws_instance.broker.root_block_device[0].volume_size == 20 && aws_instance.broker.root_block_device[0].delete_on_termination
    error_message = "the root volume is small and goes with the instance"
  }

  assert {
    condition     = output.data_volume_id == aws_ebs_volume.data.id && output.log_retention_hours == 168
    error_message = "the module outputs the data volume and the retention"
  }
}

run "kafka_rejects_a_zone_name_that_is_not_one" {
  command = plan
  module {
    source = "./modules/kafka"
  }
  variables {
    namespace_id      = "ns-0123456789abcdef"
    namespace_name    = "cdc.internal"
    availability_zone = "ap-south-1"
  }
  expect_failures = [var.availability_zone]
}

# ---- monitoring ----

run "monitoring_alarms_on_the_slot_the_wal_and_bronze_lag" {
  command = apply
  module {
    source = "./modules/monitoring"
  }
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }
  variables {
    glue_job_names         = ["cdcctl-dev-bronze-to-silver"]
    ecs_cluster_name       = "cdcctl-dev"
    ecs_service_names      = { debezium = "cdcctl-dev-debezium", airflow = "cdcctl-dev-airflow" }
    kafka_instance_id      = "i-0123456789abcdef0"
    db_instance_identifier = "cdcctl-dev-source"
    kafka_retention_hours  = 168
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.replication_slot_lag.metric_name == "OldestReplicationSlotLag" && aws_cloudwatch_metric_alarm.replication_slot_lag.dimensions["DBInstanceIdentifier"] == "cdcctl-dev-source"
    error_message = "the slot-lag alarm watches the source database's OldestReplicationSlotLag"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.wal_disk_usage.metric_name == "TransactionLogsDiskUsage"
    error_message = "the WAL alarm watches TransactionLogsDiskUsage"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.bronze_lag_near_retention.threshold == 302400
    error_message = "bronze lag alarms at half of 168 h of retention (302400 s)"
  }

  assert {
    condition     = alltrue([for m in ["OldestReplicationSlotLag", "TransactionLogsDiskUsage", "BronzeLagSeconds", "ConnectorTasksRunning", "glue.driver.aggregate.elapsedTime", "TriggeredRules", "DlqRecords", "DqFailedRules"] : strcontains(aws_cloudwatch_dashboard.pipeline.dashboard_body, m)])
    error_message = "the dashboard shows slot lag, WAL, bronze lag, connector tasks, job run time and failures, DLQ and DQ"
  }

  assert {
    condition     = output.alerts_subscribed == false
    error_message = "without alert_email nobody is subscribed, and the output says so"
  }
}

run "monitoring_rejects_a_lag_fraction_outside_the_retention" {
  command = plan
  module {
    source = "./modules/monitoring"
  }
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }
  variables {
    glue_job_names            = ["cdcctl-dev-bronze-to-silver"]
    ecs_cluster_name          = "cdcctl-dev"
    ecs_service_names         = { debezium = "cdcctl-dev-debezium" }
    kafka_instance_id         = "i-0123456789abcdef0"
    db_instance_identifier    = "cdcctl-dev-source"
    kafka_retention_hours     = 168
    bronze_lag_alarm_fraction = 1.5
  }
  expect_failures = [var.bronze_lag_alarm_fraction]
}
