# Airflow on ECS Fargate: one `airflow standalone` task (scheduler, API/webserver, SQLite metadata),
# enough for one hourly DAG (cdc_pipeline_orchestration, shipped inside the image). Its image lives in
# this module's ECR repository unless var.image names another. The service's log group, roles, task
# definition and ECS service come from the fargate-service building block.

data "aws_region" "current" {}

locals {
  image = coalesce(var.image, "${aws_ecr_repository.airflow.repository_url}:${var.image_tag}")
  glue_job_env = [
    for k, v in var.glue_job_names : { name = "CDC_GLUE_JOB_${upper(replace(k, "-", "_"))}", value = v }
  ]
}

# ---- image repository ----

resource "aws_ecr_repository" "airflow" {
  name                 = "${var.name}/airflow"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }

  tags = var.tags
}

resource "aws_ecr_lifecycle_policy" "airflow" {
  repository = aws_ecr_repository.airflow.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the 20 most recent images"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 20 }
      action       = { type = "expire" }
    }]
  })
}

# ---- the task's own AWS calls (ECS Exec is added by the building block) ----

# Exactly what the DAG's cdcctl commands call (the catalog's aws.commands of every orchestrated
# command, resolved to ARNs by the root): nothing is added here.
data "aws_iam_policy_document" "task" {
  dynamic "statement" {
    for_each = var.task_policy_statements
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources

      dynamic "condition" {
        for_each = statement.value.condition == null ? [] : [statement.value.condition]
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

# ---- task and service ----

# Execution role: may pull from this module's ECR repository (whichever image is used).
module "service" {
  source = "../fargate-service"

  name                = var.name
  component           = "airflow"
  cluster_arn         = var.cluster_arn
  exec_log_group_arn  = var.exec_log_group_arn
  subnet_ids          = var.subnet_ids
  security_group_id   = var.security_group_id
  desired_count       = 1
  cpu                 = var.cpu
  memory              = var.memory
  container_name      = "airflow"
  image               = local.image
  command             = ["standalone"]
  container_port      = 8080
  port_name           = "ui"
  ecr_repository_arns = [aws_ecr_repository.airflow.arn]

  # One SQLite-backed scheduler at a time: stop the old task before starting the new one.
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100

  environment = concat([
    { name = "AIRFLOW__CORE__LOAD_EXAMPLES", value = "False" },
    # The AWS CLI reads AWS_DEFAULT_REGION; cdcctl (the SDK for JavaScript) reads AWS_REGION.
    { name = "AWS_DEFAULT_REGION", value = data.aws_region.current.id },
    { name = "AWS_REGION", value = data.aws_region.current.id },
    { name = "CDC_PROFILE", value = "aws" },
    { name = "CDC_CONNECT_URL", value = var.connect_url },
    { name = "CDC_KAFKA_BOOTSTRAP_SERVERS", value = var.kafka_bootstrap_servers },
    { name = "CDC_STORAGE_ROOT", value = "s3://${var.bucket_name}" },
    { name = "CDC_ALERTS_TOPIC_ARN", value = var.alerts_topic_arn },
    # The DAG maps only the CDC_* names above to the CLI's; it passes the worker's CDCCTL_* through
    # (append_env), so the secret's name goes to the CLI under its own variable.
    { name = "CDCCTL_DB_SECRET_NAME", value = var.db_secret_name },
  ], local.glue_job_env)

  health_check = {
    command      = ["CMD-SHELL", "curl -fsS http://localhost:8080/api/v2/monitor/health >/dev/null || curl -fsS http://localhost:8080/health >/dev/null || exit 1"]
    interval     = 30
    timeout      = 10
    retries      = 5
    start_period = 180
  }

  task_policy_json   = length(var.task_policy_statements) == 0 ? null : data.aws_iam_policy_document.task.json
  task_policy_name   = "orchestrate-pipeline"
  kms_key_arn        = var.kms_key_arn
  log_retention_days = var.log_retention_days
  tags               = var.tags
}
