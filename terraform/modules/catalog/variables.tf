variable "catalog" {
  type        = any
  description = "The pipeline catalog, decoded (yamldecode of pipeline.yaml, schema pipeline.schema.json): jobs, job_arguments, orchestration and aws are read."

  validation {
    condition     = alltrue([for key in ["jobs", "job_arguments", "orchestration", "aws"] : can(var.catalog[key])]) && try(var.catalog.version, 0) == 1
    error_message = "catalog must be version 1 of pipeline.yaml with jobs, job_arguments, orchestration and aws."
  }

  validation {
    condition     = alltrue([for c in concat([for t in try(var.catalog.orchestration.tasks, []) : t.command], [try(var.catalog.orchestration.notify, ""), try(var.catalog.orchestration.cleanup, "")]) : can(var.catalog.aws.commands[c])])
    error_message = "every command the orchestration runs (tasks, notify, cleanup) must be listed in aws.commands."
  }
}

variable "provided_arguments" {
  type        = map(string)
  description = "Values of the catalog's `provided` job arguments that the caller knows (storage_root, catalog, kafka_brokers, db_secret_name, region, db_ca_file); the others are filled in per run and never become job defaults."

  validation {
    condition     = alltrue([for k in keys(var.provided_arguments) : contains(["storage_root", "catalog", "run_id", "kafka_brokers", "dq_rules", "db_secret_name", "region", "db_ca_file"], k)])
    error_message = "provided_arguments keys must be values of the catalog schema's `provided` enum."
  }
}

variable "lake_bucket_arn" {
  type        = string
  description = "ARN of the lake bucket: lake:<prefix> resources become <arn>/<prefix>, lake_list:<prefix> the bucket with an s3:prefix condition."

  validation {
    condition     = can(regex("^arn:[^:]+:s3:::[a-z0-9.-]+$", var.lake_bucket_arn))
    error_message = "lake_bucket_arn must be an S3 bucket ARN."
  }
}

variable "airflow_resources" {
  type        = map(list(string))
  description = "ARNs of the catalog's resource kinds for the Airflow task role (db_secret, db_role_secrets, glue_jobs, job_logs, alerts_topic, ecs_services, key)."
}

variable "glue_resources" {
  type        = map(list(string))
  description = "ARNs of the resource kinds the Glue role can be given (those that exist before the glue module: db_quality_secret, key)."
}
