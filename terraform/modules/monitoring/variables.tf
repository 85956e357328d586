variable "name" {
  type        = string
  description = "Name prefix of the topics, rules and alarms."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the alerts topic (its policy lets EventBridge and CloudWatch use it)."

  validation {
    condition     = startswith(var.kms_key_arn, "arn:")
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "alert_email" {
  type        = string
  description = "Email subscribed to the alerts and billing topics. Empty: no subscription."
  default     = ""

  validation {
    condition     = var.alert_email == "" || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alert_email))
    error_message = "alert_email must be empty or an email address."
  }
}

variable "glue_job_names" {
  type        = list(string)
  description = "Glue jobs whose FAILED, TIMEOUT or ERROR state changes are alerted."

  validation {
    condition     = length(var.glue_job_names) > 0
    error_message = "glue_job_names must not be empty."
  }
}

variable "ecs_cluster_name" {
  type        = string
  description = "ECS cluster of the watched services."
}

variable "ecs_service_names" {
  type        = map(string)
  description = "ECS services keyed by role (debezium, airflow); an alarm fires when one runs no task."

  validation {
    condition     = contains(keys(var.ecs_service_names), "debezium")
    error_message = "ecs_service_names must name the debezium service (the dashboard shows its tasks)."
  }
}

variable "kafka_instance_id" {
  type        = string
  description = "EC2 instance of the Kafka broker (StatusCheckFailed alarm)."

  validation {
    condition     = startswith(var.kafka_instance_id, "i-")
    error_message = "kafka_instance_id must be an EC2 instance ID (i-...)."
  }
}

variable "db_instance_identifier" {
  type        = string
  description = "RDS instance of the source database (replication slot lag and WAL disk alarms, dashboard)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.db_instance_identifier))
    error_message = "db_instance_identifier must be an RDS instance identifier."
  }
}

variable "replication_slot_lag_alarm_bytes" {
  type        = number
  description = "WAL held by the oldest replication slot (OldestReplicationSlotLag, bytes) above which the slot-lag alarm fires."
  default     = 5368709120

  validation {
    condition     = var.replication_slot_lag_alarm_bytes > 0
    error_message = "replication_slot_lag_alarm_bytes must be positive."
  }
}

variable "wal_disk_usage_alarm_bytes" {
  type        = number
  description = "Disk used by transaction logs (TransactionLogsDiskUsage, bytes) above which the WAL alarm fires; keep it well below the database's allocated storage."
  default     = 8589934592

  validation {
    condition     = var.wal_disk_usage_alarm_bytes > 0
    error_message = "wal_disk_usage_alarm_bytes must be positive."
  }
}

variable "kafka_retention_hours" {
  type        = number
  description = "How long Kafka keeps records (the kafka module's log_retention_hours): the scale of the bronze-lag alarm."

  validation {
    condition     = var.kafka_retention_hours >= 1
    error_message = "kafka_retention_hours must be at least 1."
  }
}

variable "bronze_lag_alarm_fraction" {
  type        = number
  description = "Fraction of Kafka's retention that bronze may lag behind before the alarm fires (0.5: half the retention is left to catch up)."
  default     = 0.5

  validation {
    condition     = var.bronze_lag_alarm_fraction > 0 && var.bronze_lag_alarm_fraction < 1
    error_message = "bronze_lag_alarm_fraction must be between 0 and 1 (exclusive)."
  }
}

variable "pipeline_metrics_namespace" {
  type        = string
  description = "CloudWatch namespace of the pipeline's own metrics (BronzeLagSeconds, ConnectorTasks, ConnectorTasksRunning, DlqRecords, DqFailedRules; dimension Pipeline = name)."
  default     = "cdcctl"

  validation {
    condition     = can(regex("^[A-Za-z0-9_./#:-]{1,255}$", var.pipeline_metrics_namespace)) && !startswith(var.pipeline_metrics_namespace, "AWS/")
    error_message = "pipeline_metrics_namespace must be a custom CloudWatch namespace (not AWS/...)."
  }
}

variable "monthly_budget_usd" {
  type        = number
  description = "Estimated monthly charges (USD) above which the billing alarm fires."
  default     = 300

  validation {
    condition     = var.monthly_budget_usd > 0
    error_message = "monthly_budget_usd must be positive."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource."
  default     = {}
}
