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

variable "glue_job_arns" {
  type        = list(string)
  description = "ARNs of the Glue jobs the DAG may start and watch."
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
  description = "Data-lake bucket (the DAG reads dq/ reports)."
}

variable "bucket_arn" {
  type        = string
  description = "ARN of the data-lake bucket."
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
