# The pipeline's Glue jobs (var.jobs, from the catalog; var.glue_version, 6.0: Spark 4.1, Iceberg
# 1.11), their catalog database, a NETWORK connection that puts them in the VPC (to reach Kafka and the
# source database), a security configuration and a role limited to the lake's prefixes plus what the
# jobs' needs add (var.job_policy_statements).

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  region    = data.aws_region.current.id
  partition = data.aws_partition.current.partition
  root      = "s3://${var.bucket_name}"

  # Glue's job types of the catalog's kinds.
  glue_command = {
    batch     = "glueetl"
    streaming = "gluestreaming"
  }

  # Glue's own settings of every job; the pipeline's arguments come with var.jobs. Glue 6.0 keeps
  # --additional-python-modules (deprecated in favour of --python-virtual-env, which would need a Python
  # 3.13 venv archive built and uploaded by deploy); psycopg-binary 3.3.9 has cp313 wheels.
  glue_arguments = {
    "--job-language"                 = "python"
    "--datalake-formats"             = "iceberg"
    "--extra-py-files"               = "${local.root}/scripts/cdc_lake.zip"
    "--custom-logGroup-prefix"       = local.log_group_prefix
    "--enable-metrics"               = "true"
    "--enable-observability-metrics" = "true"
  }

  # jobs/: each run's summary, {root}/jobs/<run id>.json, which cdcctl reads.
  rw_prefixes = ["iceberg", "checkpoints", "dlq", "dq", "jobs"]

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
  for_each = var.jobs

  name                   = "${var.name}-${each.key}"
  description            = "cdcctl ${each.key} (${each.value.script})"
  role_arn               = aws_iam_role.glue.arn
  glue_version           = var.glue_version
  worker_type            = var.worker_type
  number_of_workers      = var.number_of_workers
  security_configuration = aws_glue_security_configuration.this.name
  connections            = [aws_glue_connection.vpc.name]
  timeout                = each.value.kind == "streaming" ? null : var.batch_timeout_minutes
  max_retries            = 0

  command {
    name            = local.glue_command[each.value.kind]
    script_location = "${local.root}/scripts/${each.value.script}"
    python_version  = "3"
  }

  # cdc_lake.session names the Iceberg catalog `lake` and its namespace `cdc` (this database);
  # --catalog glue makes it a GlueCatalog with S3FileIO over the storage root's iceberg/. Glue's own
  # settings come last, so a job argument can never change them.
  default_arguments = merge(
    each.value.default_arguments,
    length(each.value.python_modules) == 0 ? {} : { "--additional-python-modules" = join(",", each.value.python_modules) },
    # a job that verifies the source database gets the CA bundle deploy uploads next to the scripts
    # (Glue copies --extra-files into the job's working directory, where the argument names it)
    contains(keys(each.value.default_arguments), "--db-ssl-root-cert") ? { "--extra-files" = "${local.root}/scripts/${each.value.default_arguments["--db-ssl-root-cert"]}" } : {},
    local.glue_arguments,
  )

  execution_property {
    max_concurrent_runs = 1
  }

  tags = var.tags
}
