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
}

variable "kafka_instance_id" {
  type        = string
  description = "EC2 instance of the Kafka broker (StatusCheckFailed alarm)."

  validation {
    condition     = startswith(var.kafka_instance_id, "i-")
    error_message = "kafka_instance_id must be an EC2 instance ID (i-...)."
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
