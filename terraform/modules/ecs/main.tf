# The ECS cluster of the pipeline and the Debezium Kafka Connect service on Fargate, reached at
# http://connect.<namespace>:8083. Database credentials are read from Secrets Manager when a task
# starts (task definition `secrets`), never baked into the definition.

data "aws_region" "current" {}

locals {
  container_name = "connect"
  service_name   = "${var.name}-debezium"
  connect_host   = "connect.${var.namespace_name}"
}

resource "aws_cloudwatch_log_group" "exec" {
  name              = "/ecs/${var.name}/exec"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  configuration {
    execute_command_configuration {
      kms_key_id = var.kms_key_arn
      logging    = "OVERRIDE"
      log_configuration {
        cloud_watch_encryption_enabled = true
        cloud_watch_log_group_name     = aws_cloudwatch_log_group.exec.name
      }
    }
  }

  tags = var.tags
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

resource "aws_cloudwatch_log_group" "connect" {
  name              = "/ecs/${var.name}/debezium"
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

# Execution role: what ECS needs to start the task (write logs, read the secret).
resource "aws_iam_role" "execution" {
  name               = "${local.service_name}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.connect.arn}:*"]
  }

  statement {
    sid       = "ReadDbCredentials"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.db_secret_arn]
  }

  statement {
    sid       = "DecryptDbCredentials"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-debezium"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# Task role: Connect itself calls no AWS API; only ECS Exec (debugging) needs permissions.
resource "aws_iam_role" "task" {
  name               = "${local.service_name}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "task" {
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
    resources = ["${aws_cloudwatch_log_group.exec.arn}:*"]
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
  name   = "debezium-exec"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# ---- Debezium Connect ----

resource "aws_ecs_task_definition" "connect" {
  #checkov:skip=CKV_AWS_336:Kafka Connect writes its plugin, tmp and data directories under /kafka at run time; a read-only root file system stops the worker.
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
    image     = var.image
    essential = true

    portMappings = [{ containerPort = 8083, hostPort = 8083, protocol = "tcp", name = "rest" }]

    environment = [
      { name = "BOOTSTRAP_SERVERS", value = var.bootstrap_servers },
      { name = "GROUP_ID", value = var.connect_group_id },
      { name = "CONFIG_STORAGE_TOPIC", value = "${var.connect_group_id}-configs" },
      { name = "OFFSET_STORAGE_TOPIC", value = "${var.connect_group_id}-offsets" },
      { name = "STATUS_STORAGE_TOPIC", value = "${var.connect_group_id}-statuses" },
      { name = "CONFIG_STORAGE_REPLICATION_FACTOR", value = "1" },
      { name = "OFFSET_STORAGE_REPLICATION_FACTOR", value = "1" },
      { name = "STATUS_STORAGE_REPLICATION_FACTOR", value = "1" },
      { name = "KEY_CONVERTER", value = "org.apache.kafka.connect.json.JsonConverter" },
      { name = "VALUE_CONVERTER", value = "org.apache.kafka.connect.json.JsonConverter" },
      { name = "CONNECT_KEY_CONVERTER_SCHEMAS_ENABLE", value = "false" },
      { name = "CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE", value = "false" },
      # Connector configs reference ${env:DB_PASSWORD} etc.; the values never reach the REST API.
      { name = "CONNECT_CONFIG_PROVIDERS", value = "env" },
      { name = "CONNECT_CONFIG_PROVIDERS_ENV_CLASS", value = "org.apache.kafka.config.provider.EnvVarConfigProvider" },
      { name = "HEAP_OPTS", value = "-Xms512m -Xmx${floor(var.memory * 0.6)}m" },
    ]

    secrets = [
      { name = "DB_HOST", valueFrom = "${var.db_secret_arn}:host::" },
      { name = "DB_PORT", valueFrom = "${var.db_secret_arn}:port::" },
      { name = "DB_USER", valueFrom = "${var.db_secret_arn}:username::" },
      { name = "DB_PASSWORD", valueFrom = "${var.db_secret_arn}:password::" },
      { name = "DB_NAME", valueFrom = "${var.db_secret_arn}:dbname::" },
    ]

    healthCheck = {
      command     = ["CMD-SHELL", "curl -fsS http://localhost:8083/ >/dev/null || exit 1"]
      interval    = 30
      timeout     = 5
      retries     = 3
      startPeriod = 120
    }

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.connect.name
        awslogs-region        = data.aws_region.current.id
        awslogs-stream-prefix = "debezium"
      }
    }
  }])

  tags = var.tags
}

resource "aws_service_discovery_service" "connect" {
  name = "connect"

  dns_config {
    namespace_id   = var.namespace_id
    routing_policy = "MULTIVALUE"
    dns_records {
      type = "A"
      ttl  = 10
    }
  }

  tags = var.tags
}

resource "aws_ecs_service" "connect" {
  name                    = local.service_name
  cluster                 = aws_ecs_cluster.this.id
  task_definition         = aws_ecs_task_definition.connect.arn
  desired_count           = var.desired_count
  launch_type             = "FARGATE"
  platform_version        = "LATEST"
  enable_execute_command  = true
  propagate_tags          = "SERVICE"
  enable_ecs_managed_tags = true

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [var.security_group_id]
    assign_public_ip = false
  }

  service_registries {
    registry_arn = aws_service_discovery_service.connect.arn
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  tags = var.tags
}
