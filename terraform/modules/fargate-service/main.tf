# Building block: one service of one container on ECS Fargate in private subnets — its log group,
# execution role, task role (ECS Exec plus the caller's own permissions), task definition and ECS
# service. Called by modules/ecs (Debezium Connect) and modules/airflow, never by the root.

data "aws_region" "current" {}

locals {
  service_name = "${var.name}-${var.component}"

  # Optional keys are left out of the container definition rather than sent as null or [].
  optional_container_keys = {
    command = var.command
    secrets = length(var.secrets) == 0 ? null : var.secrets
  }

  container = merge(
    {
      name         = var.container_name
      image        = var.image
      essential    = true
      portMappings = [{ containerPort = var.container_port, hostPort = var.container_port, protocol = "tcp", name = var.port_name }]
      environment  = var.environment
      healthCheck = {
        command     = var.health_check.command
        interval    = var.health_check.interval
        timeout     = var.health_check.timeout
        retries     = var.health_check.retries
        startPeriod = var.health_check.start_period
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this.name
          awslogs-region        = data.aws_region.current.id
          awslogs-stream-prefix = var.component
        }
      }
    },
    { for key, value in local.optional_container_keys : key => value if value != null },
  )
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/ecs/${var.name}/${var.component}"
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

# Execution role: what ECS needs to start the task (write its logs, read its secrets, pull its image).
resource "aws_iam_role" "execution" {
  name               = "${local.service_name}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  dynamic "statement" {
    for_each = length(var.secret_arns) > 0 ? [var.secret_arns] : []
    content {
      sid       = "ReadSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = statement.value
    }
  }

  # GetAuthorizationToken has no resource-level permissions.
  dynamic "statement" {
    for_each = length(var.ecr_repository_arns) > 0 ? [var.ecr_repository_arns] : []
    content {
      sid       = "EcrLogin"
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = length(var.ecr_repository_arns) > 0 ? [var.ecr_repository_arns] : []
    content {
      sid       = "PullImage"
      actions   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
      resources = statement.value
    }
  }

  # Secrets and image layers are encrypted with the pipeline key.
  statement {
    sid       = "Decrypt"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-${var.component}"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# Task role: the caller's statements (the service's own AWS calls) plus ECS Exec, logged to the
# cluster's exec log group. On a Sid clash the ECS Exec statements below win.
resource "aws_iam_role" "task" {
  name               = "${local.service_name}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "task" {
  source_policy_documents = var.task_policy_json == null ? [] : [var.task_policy_json]

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

  statement {
    sid       = "EcsExecLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${var.exec_log_group_arn}:*"]
  }

  statement {
    sid       = "EcsExecLogGroup"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["*"]
  }

  statement {
    sid       = "EcsExecEncryption"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "task" {
  name   = var.task_policy_name
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# ---- task and service ----

resource "aws_ecs_task_definition" "this" {
  #checkov:skip=CKV_AWS_336:both services built on this block write under their home directories at run time (Kafka Connect under /kafka, airflow standalone under AIRFLOW_HOME); a read-only root file system stops them.
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

  container_definitions = jsonencode([local.container])

  tags = var.tags

  lifecycle {
    precondition {
      condition     = alltrue([for s in var.secrets : anytrue([for arn in var.secret_arns : startswith(s.valueFrom, arn)])])
      error_message = "Every secret of the container must come from one of secret_arns, which the execution role may read."
    }
  }
}

resource "aws_ecs_service" "this" {
  name                    = local.service_name
  cluster                 = var.cluster_arn
  task_definition         = aws_ecs_task_definition.this.arn
  desired_count           = var.desired_count
  launch_type             = "FARGATE"
  platform_version        = "LATEST"
  enable_execute_command  = true
  propagate_tags          = "SERVICE"
  enable_ecs_managed_tags = true

  deployment_minimum_healthy_percent = var.deployment_minimum_healthy_percent
  deployment_maximum_percent         = var.deployment_maximum_percent

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [var.security_group_id]
    assign_public_ip = false
  }

  dynamic "service_registries" {
    for_each = var.service_registry == null ? [] : [var.service_registry]
    content {
      registry_arn = service_registries.value.registry_arn
    }
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  tags = var.tags
}
