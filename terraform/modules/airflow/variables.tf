variable "name" {
  type        = string
  description = "Name prefix of the Airflow resources."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "cluster_arn" {
  type        = string
  description = "ARN of the ECS cluster the Airflow service runs in."

  validation {
    condition     = can(regex("^arn:[^:]+:ecs:", var.cluster_arn))
    error_message = "cluster_arn must be an ECS cluster ARN."
  }
}

variable "exec_log_group_arn" {
  type        = string
  description = "ARN of the cluster's ECS Exec log group (ecs module's exec_log_group_arn); the task role may write exec sessions to it."

  validation {
    condition     = can(regex("^arn:[^:]+:logs:", var.exec_log_group_arn))
    error_message = "exec_log_group_arn must be a CloudWatch Logs log group ARN."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets of the Airflow task."

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "subnet_ids must not be empty."
  }
}

variable "security_group_id" {
  type        = string
  description = "Security group of the Airflow task (egress to Connect 8083 and Kafka 9092)."
}

variable "image" {
  type        = string
  description = "Airflow image (built from docker/airflow/Dockerfile, DAG cdc_pipeline_orchestration inside). Null: this module's ECR repository at image_tag."
  default     = null

  validation {
    condition     = var.image == null || (can(regex("^[^\\s]+:[^\\s:]+$", var.image)) && !endswith(coalesce(var.image, "x"), ":latest"))
    error_message = "image must be null or carry an explicit tag other than latest."
  }
}

variable "image_tag" {
  type        = string
  description = "Tag in this module's ECR repository used when image is null (tags are immutable)."
  default     = "1.0.0"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a valid image tag other than latest."
  }
}

variable "connect_url" {
  type        = string
  description = "Kafka Connect REST URL the DAG's connector tasks call."

  validation {
    condition     = can(regex("^https?://", var.connect_url))
    error_message = "connect_url must be an http(s) URL."
  }
}

variable "kafka_bootstrap_servers" {
  type        = string
  description = "Kafka bootstrap servers for the DAG's health task."
}

variable "glue_job_names" {
  type        = map(string)
  description = "Glue job names keyed by pipeline job name, handed to the DAG as CDC_GLUE_JOB_<NAME>."
}

variable "task_policy_statements" {
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
  description = "IAM statements of the task role: what the DAG's cdcctl commands call (the catalog's aws.commands of every orchestrated command, resources resolved to ARNs by the caller)."

  validation {
    condition     = alltrue([for st in var.task_policy_statements : length(st.resources) > 0 && length(st.actions) > 0])
    error_message = "every task policy statement needs at least one action and one resource."
  }

  validation {
    condition     = alltrue([for st in var.task_policy_statements : can(regex("^[A-Za-z0-9]+$", st.sid)) && alltrue([for a in st.actions : can(regex("^[a-z0-9-]+:[A-Za-z*]+$", a))])])
    error_message = "task policy statements need alphanumeric sids and service:Action actions."
  }

  validation {
    condition     = length(distinct([for st in var.task_policy_statements : st.sid])) == length(var.task_policy_statements)
    error_message = "task policy statement sids must be unique."
  }

  validation {
    condition     = !anytrue([for st in var.task_policy_statements : contains(["EcsExec", "EcsExecLogs", "EcsExecLogGroup", "EcsExecEncryption"], st.sid)])
    error_message = "task policy statement sids must not be the building block's ECS Exec sids."
  }
}

variable "db_secret_name" {
  type        = string
  description = "Name of the Secrets Manager secret with the source database's credentials, handed to cdcctl as CDCCTL_DB_SECRET_NAME (connector register reads it)."

  validation {
    condition     = length(var.db_secret_name) > 0
    error_message = "db_secret_name must not be empty."
  }
}

variable "alerts_topic_arn" {
  type        = string
  description = "SNS topic the DAG's notify task publishes to."

  validation {
    condition     = can(regex("^arn:[^:]+:sns:", var.alerts_topic_arn))
    error_message = "alerts_topic_arn must be an SNS topic ARN."
  }
}

variable "bucket_name" {
  type        = string
  description = "Data-lake bucket, the DAG's storage root (s3://<bucket>)."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the log group, the ECR repository, the topic and the bucket."

  validation {
    condition     = startswith(var.kms_key_arn, "arn:")
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "cpu" {
  type        = number
  description = "Fargate CPU units of the Airflow task."
  default     = 1024

  validation {
    condition     = contains([512, 1024, 2048, 4096], var.cpu)
    error_message = "cpu must be one of 512, 1024, 2048, 4096."
  }
}

variable "memory" {
  type        = number
  description = "Fargate memory (MiB) of the Airflow task."
  default     = 4096

  validation {
    condition     = var.memory >= 2048
    error_message = "memory must be at least 2048 MiB for Airflow standalone."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the Airflow log group, in days."
  default     = 365
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource."
  default     = {}
}
