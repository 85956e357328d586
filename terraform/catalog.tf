# The pipeline catalog (../pipeline.yaml, schema ../pipeline.schema.json) read once, here; the catalog
# module turns it into the typed inputs of the glue and airflow modules. This file says what the
# values Terraform knows are, and which ARN each of the catalog's resource kinds is.

locals {
  catalog = yamldecode(file("${path.module}/../pipeline.yaml"))
}

data "aws_partition" "current" {}

module "catalog" {
  source = "./modules/catalog"

  catalog = local.catalog

  # The `provided` job arguments Terraform knows; run_id and dq_rules are filled in per run.
  provided_arguments = {
    storage_root  = module.s3.storage_root
    catalog       = "glue"
    kafka_brokers = module.kafka.bootstrap_servers
    # data quality reads the source as its read-only role; Glue puts the CA bundle deploy uploads
    # (scripts/<tls.job_ca_file>, --extra-files) in the job's working directory
    db_secret_name = module.rds.role_secret_names[local.catalog.source.roles.quality]
    region         = var.region
    db_ca_file     = local.catalog.tls.job_ca_file
  }

  lake_bucket_arn = module.s3.bucket_arn
  airflow_resources = {
    db_secret       = [module.rds.secret_arn]
    db_role_secrets = values(module.rds.role_secret_arns)
    glue_jobs       = module.glue.job_arns
    job_logs        = flatten([for arn in module.glue.log_group_arns : [arn, "${arn}:*"]])
    alerts_topic    = [module.monitoring.alerts_topic_arn]
    ecs_services    = ["arn:${data.aws_partition.current.partition}:ecs:${var.region}:${data.aws_caller_identity.current.account_id}:service/${module.ecs.cluster_name}/*"]
    key             = [aws_kms_key.pipeline.arn]
  }
  # The Glue role's policy is part of the glue module: kinds made by the glue module or by modules
  # after it cannot be given to it (the glue module rejects a statement left without resources).
  glue_resources = {
    db_quality_secret = [module.rds.role_secret_arns[local.catalog.source.roles.quality]]
    key               = [aws_kms_key.pipeline.arn]
  }
}
