# The five Glue jobs of the pipeline (var.glue_version, 6.0: Spark 4.1, Iceberg 1.11), their catalog
# database, a NETWORK connection that puts them in the VPC (to reach Kafka), a security configuration
# and a role limited to the lake's prefixes.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  region    = data.aws_region.current.id
  partition = data.aws_partition.current.partition
  root      = "s3://${var.bucket_name}"

  jobs = {
    "kafka-to-bronze"  = { script = "kafka_to_bronze.py", command = "gluestreaming" }
    "bronze-to-silver" = { script = "bronze_to_silver.py", command = "glueetl" }
    "silver-to-gold"   = { script = "silver_to_gold.py", command = "glueetl" }
    "data-quality"     = { script = "data_quality.py", command = "glueetl" }
    "lake-maintenance" = { script = "lake_maintenance.py", command = "glueetl" }
  }

  # Locally kafka_to_bronze drains what is there and stops (--trigger once); on Glue it streams.
  # data_quality's reconcile_source reads Postgres; Glue does not ship a driver for it. Glue 6.0 keeps
  # --additional-python-modules (deprecated in favour of --python-virtual-env, which would need a
  # Python 3.13 venv archive built and uploaded by deploy); psycopg-binary 3.3.9 has cp313 wheels.
  job_arguments = {
    "kafka-to-bronze" = { "--trigger" = "continuous" }
    "data-quality"    = { "--additional-python-modules" = "psycopg[binary]==3.3.9" }
  }

  default_arguments = {
    "--job-language"                     = "python"
    "--datalake-formats"                 = "iceberg"
    "--extra-py-files"                   = "${local.root}/scripts/cdc_lake.zip"
    "--storage-root"                     = local.root
    "--catalog"                          = "glue"
    "--bootstrap-servers"                = var.bootstrap_servers
    "--custom-logGroup-prefix"           = local.log_group_prefix
    "--enable-metrics"                   = "true"
    "--enable-observability-metrics"     = "true"
  }

  rw_prefixes = ["iceberg", "checkpoints", "dlq", "dq"]

  # Glue (5.0 and later) logs every run in real time to {prefix}/output (stdout, stderr) and
  # {prefix}/error (Spark, Glue); a prefix of our own gives them our retention and key. `cdcctl job
  # logs` reads both.
  log_group_prefix = "/aws-glue/jobs/${var.name}"
}

resource "aws_glue_catalog_database" "cdc" {
  name        = var.database_name
  description = "Iceberg tables of the CDC lakehouse (bronze, silver, gold)"
  # location_uri lets Iceberg place tables under the lake's iceberg/ prefix.
  location_uri = "${local.root}/iceberg/"
  tags         = var.tags
}

resource "aws_glue_security_configuration" "this" {
  name = "${var.name}-glue"

  encryption_configuration {
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = var.kms_key_arn
    }
    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = var.kms_key_arn
    }
    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = var.kms_key_arn
    }
  }
}

resource "aws_glue_connection" "vpc" {
  name            = "${var.name}-vpc"
  description     = "Places the jobs' ENIs in the VPC so they reach Kafka on 9092"
  connection_type = "NETWORK"

  physical_connection_requirements {
    subnet_id              = var.subnet_id
    availability_zone      = var.availability_zone
    security_group_id_list = [var.security_group_id]
  }

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "jobs" {
  for_each = toset(["output", "error"])

  name              = "${local.log_group_prefix}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_glue_job" "this" {
  for_each = local.jobs

  name                   = "${var.name}-${each.key}"
  description            = "cdcctl ${each.key} (${each.value.script})"
  role_arn               = aws_iam_role.glue.arn
  glue_version           = var.glue_version
  worker_type            = var.worker_type
  number_of_workers      = var.number_of_workers
  security_configuration = aws_glue_security_configuration.this.name
  connections            = [aws_glue_connection.vpc.name]
  timeout                = each.value.command == "gluestreaming" ? null : var.batch_timeout_minutes
  max_retries            = 0

  command {
    name            = each.value.command
    script_location = "${local.root}/scripts/${each.value.script}"
    python_version  = "3"
  }

  # cdc_lake.session names the Iceberg catalog `lake` and its namespace `cdc` (this database);
  # --catalog glue makes it a GlueCatalog with S3FileIO over {storage-root}/iceberg.
  default_arguments = merge(local.default_arguments, lookup(local.job_arguments, each.key, {}))

  execution_property {
    max_concurrent_runs = 1
  }

  tags = var.tags
}
