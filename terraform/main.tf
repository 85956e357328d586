# Root module: composes the pipeline. Modules never read each other's resources; every
# dependency is an output of one module passed to an input of another, here.

data "aws_caller_identity" "current" {}

locals {
  name = "${var.name_prefix}-${var.environment}"
  tags = merge(var.tags, {
    Project     = "cdcctl"
    Environment = var.environment
    ManagedBy   = "terraform"
  })

  # Private DNS namespace in which Connect and Kafka are found (connect.cdc.internal:8083).
  namespace_name = "cdc.internal"
  glue_database  = "cdc"
}

module "vpc" {
  source = "./modules/vpc"

  name               = local.name
  cidr_block         = var.vpc_cidr
  availability_zones = var.availability_zones
  admin_cidr_blocks  = var.admin_cidr_blocks
  namespace_name     = local.namespace_name
  kms_key_arn        = aws_kms_key.pipeline.arn
  log_retention_days = var.log_retention_days
  tags               = local.tags
}

module "s3" {
  source = "./modules/s3"

  bucket_name   = "${local.name}-lake-${data.aws_caller_identity.current.account_id}"
  kms_key_arn   = aws_kms_key.pipeline.arn
  force_destroy = var.lake_force_destroy
  tags          = local.tags
}

module "rds" {
  source = "./modules/rds"

  name                = local.name
  subnet_ids          = module.vpc.private_subnet_ids
  security_group_id   = module.vpc.rds_security_group_id
  kms_key_arn         = aws_kms_key.pipeline.arn
  instance_class      = var.db_instance_class
  multi_az            = var.db_multi_az
  deletion_protection = var.db_deletion_protection
  secret_name         = var.db_secret_name
  role_names          = values(local.catalog.source.roles)
  password_version    = var.db_password_version
  log_retention_days  = var.log_retention_days
  tags                = local.tags

  secret_recovery_window_days = var.db_secret_recovery_window_days
}

module "kafka" {
  source = "./modules/kafka"

  name              = local.name
  subnet_id         = module.vpc.private_subnet_ids[0]
  availability_zone = module.vpc.private_subnet_azs[0]
  security_group_id = module.vpc.kafka_security_group_id
  namespace_id      = module.vpc.namespace_id
  namespace_name    = module.vpc.namespace_name
  instance_type     = var.kafka_instance_type
  kafka_version     = var.kafka_version
  kms_key_arn       = aws_kms_key.pipeline.arn
  tags              = local.tags
}

module "ecs" {
  source = "./modules/ecs"

  name               = local.name
  subnet_ids         = module.vpc.private_subnet_ids
  security_group_id  = module.vpc.connect_security_group_id
  namespace_id       = module.vpc.namespace_id
  namespace_name     = module.vpc.namespace_name
  image              = var.debezium_image
  bootstrap_servers  = module.kafka.bootstrap_servers
  db_secret_arn      = module.rds.role_secret_arns[local.catalog.source.roles.replication]
  worker_properties  = local.catalog.connect.worker
  secret_env         = [for property, s in local.catalog.connect.secret_env : { name = s.env, secret_key = s.secret_key }]
  ca_bundle_url      = local.catalog.tls.rds_ca_bundle_url
  ca_bundle_path     = local.catalog.tls.connect_root_cert
  kms_key_arn        = aws_kms_key.pipeline.arn
  log_retention_days = var.log_retention_days
  tags               = local.tags
}

module "glue" {
  source = "./modules/glue"

  name               = local.name
  database_name      = local.glue_database
  bucket_name        = module.s3.bucket_name
  bucket_arn         = module.s3.bucket_arn
  kms_key_arn        = aws_kms_key.pipeline.arn
  subnet_id          = module.vpc.private_subnet_ids[0]
  availability_zone  = module.vpc.private_subnet_azs[0]
  security_group_id  = module.vpc.glue_security_group_id
  glue_version       = var.glue_version
  worker_type        = var.glue_worker_type
  number_of_workers  = var.glue_number_of_workers
  log_retention_days = var.log_retention_days
  tags               = local.tags

  # From the catalog (catalog.tf): the jobs with their default arguments, and what their needs add to the role.
  jobs                  = module.catalog.glue_jobs
  job_policy_statements = module.catalog.glue_job_statements
}

module "monitoring" {
  source = "./modules/monitoring"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name               = local.name
  kms_key_arn        = aws_kms_key.pipeline.arn
  alert_email        = var.alert_email
  glue_job_names     = values(module.glue.job_names)
  ecs_cluster_name   = module.ecs.cluster_name
  ecs_service_names  = { debezium = module.ecs.service_name, airflow = module.airflow.service_name }
  kafka_instance_id  = module.kafka.instance_id
  monthly_budget_usd = var.monthly_budget_usd
  tags               = local.tags

  db_instance_identifier = module.rds.db_instance_identifier
  kafka_retention_hours  = module.kafka.log_retention_hours
}

# An empty alert_email is valid (a dev environment, or a topic subscribed elsewhere), but then
# nothing is told of an alarm or a failed job: every plan and apply says so.
check "alerts_have_a_subscriber" {
  assert {
    condition     = var.alert_email != ""
    error_message = "alert_email is empty: the alerts topic ${module.monitoring.alerts_topic_arn} has no subscriber, so alarms, failed jobs and failed data-quality checks notify nobody. Set alert_email in envs/<env>.tfvars or subscribe to the topic."
  }
}

module "airflow" {
  source = "./modules/airflow"

  name                    = local.name
  cluster_arn             = module.ecs.cluster_arn
  exec_log_group_arn      = module.ecs.exec_log_group_arn
  subnet_ids              = module.vpc.private_subnet_ids
  security_group_id       = module.vpc.airflow_security_group_id
  image                   = var.airflow_image
  image_tag               = var.airflow_image_tag
  connect_url             = module.ecs.connect_url
  kafka_bootstrap_servers = module.kafka.bootstrap_servers
  glue_job_names          = module.glue.job_names
  alerts_topic_arn        = module.monitoring.alerts_topic_arn
  bucket_name             = module.s3.bucket_name
  db_secret_name          = module.rds.secret_name
  kms_key_arn             = aws_kms_key.pipeline.arn
  log_retention_days      = var.log_retention_days
  tags                    = local.tags

  # From the catalog (catalog.tf): what every command the DAG runs calls on AWS.
  task_policy_statements = module.catalog.airflow_task_statements
}
