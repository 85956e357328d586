variable "name" {
  type        = string
  description = "Name prefix of the jobs, role, connection and security configuration."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "database_name" {
  type        = string
  description = "Glue Data Catalog database of the Iceberg tables."
  default     = "cdc"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,254}$", var.database_name))
    error_message = "database_name must be lowercase letters, digits or underscores."
  }
}

variable "bucket_name" {
  type        = string
  description = "Data-lake bucket (scripts under scripts/, tables under iceberg/)."
}

variable "bucket_arn" {
  type        = string
  description = "ARN of the data-lake bucket, scoping the job role to its prefixes."

  validation {
    condition     = startswith(var.bucket_arn, "arn:") && strcontains(var.bucket_arn, ":s3:::")
    error_message = "bucket_arn must be an S3 bucket ARN."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the bucket, the security configuration and the catalog."

  validation {
    condition     = startswith(var.kms_key_arn, "arn:")
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "bootstrap_servers" {
  type        = string
  description = "Kafka bootstrap servers passed to every job as --bootstrap-servers."

  validation {
    condition     = can(regex("^[^,\\s]+:[0-9]+(,[^,\\s]+:[0-9]+)*$", var.bootstrap_servers))
    error_message = "bootstrap_servers must be a comma-separated list of host:port."
  }
}

variable "subnet_id" {
  type        = string
  description = "Private subnet of the Glue NETWORK connection (where job ENIs are placed)."
}

variable "availability_zone" {
  type        = string
  description = "Availability zone of subnet_id."
}

variable "security_group_id" {
  type        = string
  description = "Security group of the Glue connection (self-referencing, egress to Kafka 9092)."
}

variable "glue_version" {
  type        = string
  description = "Glue version of every job. 6.0 runs Spark 4.1 (Scala 2.13, Python 3.13) and Iceberg 1.11, the line runtime/ pins for local Spark."
  default     = "6.0"

  validation {
    # one line for local Spark and Glue: another version also moves runtime/spark/pom.xml and
    # runtime/requirements.txt (terraform/tests/test_runtime_versions.py compares them)
    condition     = contains(["6.0"], var.glue_version)
    error_message = "glue_version must be 6.0 (Spark 4.1, Iceberg 1.11): the jobs and the local runtime are pinned to that line."
  }
}

variable "worker_type" {
  type        = string
  description = "Glue worker type of every job."
  default     = "G.1X"

  validation {
    condition     = contains(["G.025X", "G.1X", "G.2X", "G.4X", "G.8X"], var.worker_type)
    error_message = "worker_type must be one of G.025X, G.1X, G.2X, G.4X, G.8X."
  }
}

variable "number_of_workers" {
  type        = number
  description = "Number of workers per job."
  default     = 2

  validation {
    condition     = var.number_of_workers >= 2
    error_message = "number_of_workers must be at least 2 (one driver, one executor)."
  }
}

variable "batch_timeout_minutes" {
  type        = number
  description = "Timeout of the batch jobs (bronze-to-silver, silver-to-gold, data-quality, lake-maintenance)."
  default     = 60

  validation {
    condition     = var.batch_timeout_minutes >= 5
    error_message = "batch_timeout_minutes must be at least 5."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the Glue job log groups, in days."
  default     = 365
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource."
  default     = {}
}
