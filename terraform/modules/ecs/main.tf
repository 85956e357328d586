# The ECS cluster of the pipeline and the Debezium Kafka Connect service on Fargate, reached at
# http://connect.<namespace>:8083. Database credentials are read from Secrets Manager when a task
# starts (task definition `secrets`), never baked into the definition. The service's log group, roles,
# task definition and ECS service come from the fargate-service building block.

locals {
  connect_host = "connect.${var.namespace_name}"
  # The image's entrypoint turns CONNECT_<NAME> back into the worker property <name>.
  worker_environment = [for property, value in var.worker_properties : { name = "CONNECT_${upper(replace(property, ".", "_"))}", value = value }]
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

# ---- Debezium Connect ----

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

# Execution role: may read the db-credentials secret. Task role: Connect itself calls no AWS API,
# so it holds only the block's ECS Exec permissions.
module "connect" {
  source = "../fargate-service"

  name               = var.name
  component          = "debezium"
  cluster_arn        = aws_ecs_cluster.this.arn
  exec_log_group_arn = aws_cloudwatch_log_group.exec.arn
  subnet_ids         = var.subnet_ids
  security_group_id  = var.security_group_id
  service_registry   = { registry_arn = aws_service_discovery_service.connect.arn }
  desired_count      = var.desired_count
  cpu                = var.cpu
  memory             = var.memory
  container_name     = "connect"
  image              = var.image
  container_port     = 8083
  port_name          = "rest"

  environment = concat(local.worker_environment, [
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
    # Connector configs reference ${env:CDC_DB_PASSWORD} etc.; the values never reach the REST API.
    { name = "CONNECT_CONFIG_PROVIDERS", value = "env" },
    { name = "CONNECT_CONFIG_PROVIDERS_ENV_CLASS", value = "org.apache.kafka.common.config.provider.EnvVarConfigProvider" },
    { name = "HEAP_OPTS", value = "-Xms512m -Xmx${floor(var.memory * 0.6)}m" },
  ])

  # The database settings of the connector's config (${env:NAME}), from its role's secret.
  secrets     = [for s in var.secret_env : { name = s.name, valueFrom = "${var.db_secret_arn}:${s.secret_key}::" }]
  secret_arns = [var.db_secret_arn]

  # The connector verifies the database against RDS's CA bundle (database.sslrootcert): fetched where
  # it names it before the worker starts (the image's entrypoint runs any other command as given).
  command = ["sh", "-c", "curl -fsS --retry 5 -o '${var.ca_bundle_path}' '${var.ca_bundle_url}' && exec /docker-entrypoint.sh start"]

  health_check = {
    command      = ["CMD-SHELL", "curl -fsS http://localhost:8083/ >/dev/null || exit 1"]
    interval     = 30
    timeout      = 5
    retries      = 3
    start_period = 120
  }

  task_policy_name   = "debezium-exec"
  kms_key_arn        = var.kms_key_arn
  log_retention_days = var.log_retention_days
  tags               = var.tags
}
