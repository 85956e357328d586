# Airflow on ECS Fargate: one `airflow standalone` task (scheduler, API/webserver, SQLite metadata),
# enough for one hourly DAG (cdc_pipeline_orchestration, shipped inside the image). Its image lives in
# this module's ECR repository unless var.image names another.

data "aws_region" "current" {}

locals {
  service_name   = "${var.name}-airflow"
  container_name = "airflow"
  image          = coalesce(var.image, "${aws_ecr_repository.airflow.repository_url}:${var.image_tag}")
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

resource "aws_cloudwatch_log_group" "airflow" {
  name              = "/ecs/${var.name}/airflow"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

# ---- roles ----

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${local.service_name}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.airflow.arn}:*"]
  }

  # GetAuthorizationToken has no resource-level permissions.
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullAirflowImage"
    actions   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
    resources = [aws_ecr_repository.airflow.arn]
  }

  statement {
    sid       = "DecryptImageLayers"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-airflow"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role" "task" {
  name               = "${local.service_name}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "RunPipelineJobs"
    actions   = ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:GetJob", "glue:BatchStopJobRun"]
    resources = var.glue_job_arns
  }

  statement {
    sid       = "NotifyAlerts"
    actions   = ["sns:Publish"]
    resources = [var.alerts_topic_arn]
  }

  statement {
    sid       = "ListDqReports"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["dq/", "dq/*"]
    }
  }

  statement {
    sid       = "ReadDqReports"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/dq/*"]
  }

  statement {
    sid       = "PipelineKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid = "EcsExec"
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "orchestrate-pipeline"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# ---- task and service ----

resource "aws_ecs_task_definition" "airflow" {
  #checkov:skip=CKV_AWS_336:airflow standalone writes its SQLite metadata database, logs and generated config under AIRFLOW_HOME at run time.
  family                   = local.service_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([{
    name      = local.container_name
    image     = local.image
    essential = true
    command   = ["standalone"]

    portMappings = [{ containerPort = 8080, hostPort = 8080, protocol = "tcp", name = "ui" }]

    environment = concat([
      { name = "AIRFLOW__CORE__LOAD_EXAMPLES", value = "False" },
      { name = "AWS_DEFAULT_REGION", value = data.aws_region.current.id },
      { name = "CDC_PROFILE", value = "aws" },
      { name = "CDC_CONNECT_URL", value = var.connect_url },
      { name = "CDC_KAFKA_BOOTSTRAP_SERVERS", value = var.kafka_bootstrap_servers },
      { name = "CDC_STORAGE_ROOT", value = "s3://${var.bucket_name}" },
      { name = "CDC_ALERTS_TOPIC_ARN", value = var.alerts_topic_arn },
    ], local.glue_job_env)

    healthCheck = {
      command     = ["CMD-SHELL", "curl -fsS http://localhost:8080/api/v2/monitor/health >/dev/null || curl -fsS http://localhost:8080/health >/dev/null || exit 1"]
      interval    = 30
      timeout     = 10
      retries     = 5
      startPeriod = 180
    }

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.airflow.name
        awslogs-region        = data.aws_region.current.id
        awslogs-stream-prefix = "airflow"
      }
    }
  }])

  tags = var.tags
}

resource "aws_ecs_service" "airflow" {
  name                    = local.service_name
  cluster                 = var.cluster_arn
  task_definition         = aws_ecs_task_definition.airflow.arn
  desired_count           = 1
  launch_type             = "FARGATE"
  platform_version        = "LATEST"
  enable_execute_command  = true
  propagate_tags          = "SERVICE"
  enable_ecs_managed_tags = true

  # One SQLite-backed scheduler at a time: stop the old task before starting the new one.
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [var.security_group_id]
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  tags = var.tags
}
