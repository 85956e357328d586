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

variable "jobs" {
  type = map(object({
    script            = string
    kind              = string
    python_modules    = optional(list(string), [])
    default_arguments = optional(map(string), {})
  }))
  description = "The pipeline's jobs keyed by job name (the catalog's jobs): script under {bucket}/scripts/, kind batch (glueetl) or streaming (gluestreaming), pip packages for --additional-python-modules, and default arguments (--name = value)."

  validation {
    condition     = length(var.jobs) > 0 && alltrue([for name in keys(var.jobs) : can(regex("^[a-z][a-z0-9-]{0,62}$", name))])
    error_message = "jobs must name at least one job, each lowercase letters, digits or hyphens."
  }

  validation {
    condition     = alltrue([for j in values(var.jobs) : contains(["batch", "streaming"], j.kind)])
    error_message = "every job's kind must be batch or streaming."
  }

  validation {
    condition     = alltrue([for j in values(var.jobs) : can(regex("^[a-z][a-z0-9_]*\\.py$", j.script))])
    error_message = "every job's script must be a file name such as bronze_to_silver.py."
  }

  validation {
    condition = alltrue(flatten([for j in values(var.jobs) : [
      for arg in keys(j.default_arguments) : can(regex("^--[a-z][a-z0-9-]*$", arg)) && !contains([
        "--job-language", "--datalake-formats", "--extra-py-files", "--additional-python-modules", "--custom-logGroup-prefix",
        "--enable-metrics", "--enable-observability-metrics", "--conf", "--TempDir", "--job-bookmark-option",
      ], arg)
    ]]))
    error_message = "job arguments must be --lowercase-names and must not be one of Glue's own settings (--job-language, --extra-py-files, --additional-python-modules, ...)."
  }
}

variable "job_policy_statements" {
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
    condition = optional(object({
      test     = string
      variable = string
      values   = list(string)
    }))
  }))
  description = "IAM statements the jobs' needs add to their role (the catalog's aws.needs, resources resolved to ARNs by the caller)."
  default     = []

  validation {
    condition     = alltrue([for st in var.job_policy_statements : length(st.resources) > 0 && length(st.actions) > 0])
    error_message = "every job policy statement needs at least one action and one resource (a resource kind the glue module cannot be given resolves to none)."
  }

  validation {
    condition     = alltrue([for st in var.job_policy_statements : can(regex("^[A-Za-z0-9]+$", st.sid)) && alltrue([for a in st.actions : can(regex("^[a-z0-9-]+:[A-Za-z*]+$", a))])])
    error_message = "job policy statements need alphanumeric sids and service:Action actions."
  }

  validation {
    condition     = length(distinct([for st in var.job_policy_statements : st.sid])) == length(var.job_policy_statements)
    error_message = "job policy statement sids must be unique."
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
  description = "Security group of the Glue connection (self-referencing, egress to Kafka 9092 and the source database 5432)."
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
  description = "Timeout of the batch jobs, in minutes (streaming jobs run until stopped)."
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
