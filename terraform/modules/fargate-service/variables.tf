variable "name" {
  type        = string
  description = "Name prefix shared with the calling module (the pipeline's name, for example cdcctl-dev)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "component" {
  type        = string
  description = "Short name of the service (for example debezium): service, task family and roles are <name>-<component>, the log group /ecs/<name>/<component>."

  validation {
    # At most 12 characters keeps <name>-<component>-execution within IAM's 64-character role names.
    condition     = can(regex("^[a-z][a-z0-9-]{0,11}$", var.component))
    error_message = "component must be 1 to 12 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "cluster_arn" {
  type        = string
  description = "ARN of the ECS cluster the service runs in."

  validation {
    condition     = can(regex("^arn:[^:]+:ecs:", var.cluster_arn))
    error_message = "cluster_arn must be an ECS cluster ARN."
  }
}

variable "exec_log_group_arn" {
  type        = string
  description = "ARN of the cluster's ECS Exec log group, to which the task role may write exec sessions."

  validation {
    condition     = can(regex("^arn:[^:]+:logs:", var.exec_log_group_arn))
    error_message = "exec_log_group_arn must be a CloudWatch Logs log group ARN."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets of the tasks (no public IP is assigned)."

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "subnet_ids must not be empty."
  }
}

variable "security_group_id" {
  type        = string
  description = "Security group of the tasks."
}

variable "service_registry" {
  type = object({
    registry_arn = string
  })
  description = "Cloud Map service in which the tasks register: { registry_arn = <service ARN> } (an object, so that whether to register is known at plan time while the ARN is not yet). Null: no registration."
  default     = null

  validation {
    condition     = var.service_registry == null || can(regex("^arn:[^:]+:servicediscovery:", var.service_registry.registry_arn))
    error_message = "service_registry.registry_arn must be a Cloud Map service ARN."
  }
}

variable "desired_count" {
  type        = number
  description = "Number of tasks of the service."
  default     = 1

  validation {
    condition     = var.desired_count >= 0 && floor(var.desired_count) == var.desired_count
    error_message = "desired_count must be a whole number, 0 or more."
  }
}

variable "deployment_minimum_healthy_percent" {
  type        = number
  description = "Lower limit of running tasks during a deployment, in percent of desired_count (0 stops the old task before starting the new one)."
  default     = 100

  validation {
    condition     = var.deployment_minimum_healthy_percent >= 0 && var.deployment_minimum_healthy_percent <= 100
    error_message = "deployment_minimum_healthy_percent must be between 0 and 100."
  }
}

variable "deployment_maximum_percent" {
  type        = number
  description = "Upper limit of running tasks during a deployment, in percent of desired_count."
  default     = 200

  validation {
    condition     = var.deployment_maximum_percent >= 100 && var.deployment_maximum_percent <= 200
    error_message = "deployment_maximum_percent must be between 100 and 200."
  }
}

variable "cpu" {
  type        = number
  description = "Fargate CPU units of a task."

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384."
  }
}

variable "memory" {
  type        = number
  description = "Fargate memory of a task, in MiB."

  validation {
    condition     = var.memory >= 512 && floor(var.memory) == var.memory
    error_message = "memory must be a whole number of MiB, at least 512."
  }
}

variable "container_name" {
  type        = string
  description = "Name of the task's one container."

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$", var.container_name))
    error_message = "container_name must be letters, digits, hyphens or underscores (up to 255)."
  }
}

variable "image" {
  type        = string
  description = "Container image, with an explicit tag."

  validation {
    condition     = can(regex("^[^\\s]+:[^\\s:]+$", var.image)) && !endswith(var.image, ":latest")
    error_message = "image must carry an explicit tag other than latest."
  }
}

variable "command" {
  type        = list(string)
  description = "Command of the container, replacing the image's CMD. Null: the image's own."
  default     = null
}

variable "container_port" {
  type        = number
  description = "TCP port the container listens on (container and host port in awsvpc mode)."

  validation {
    condition     = var.container_port >= 1 && var.container_port <= 65535 && floor(var.container_port) == var.container_port
    error_message = "container_port must be a port number between 1 and 65535."
  }
}

variable "port_name" {
  type        = string
  description = "Name of the port mapping (for example rest or ui)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]{0,63}$", var.port_name))
    error_message = "port_name must be lowercase letters, digits, hyphens or underscores (up to 64)."
  }
}

variable "environment" {
  type = list(object({
    name  = string
    value = string
  }))
  description = "Plain environment variables of the container (never secret values: use secrets)."
  default     = []
}

variable "secrets" {
  type = list(object({
    name      = string
    valueFrom = string
  }))
  description = "Environment variables read from Secrets Manager when a task starts (valueFrom: <secret ARN>[:<json key>::]); every ARN must be listed in secret_arns."
  default     = []

  validation {
    condition     = alltrue([for s in var.secrets : can(regex("^arn:[^:]+:secretsmanager:", s.valueFrom))])
    error_message = "Every valueFrom of secrets must be a Secrets Manager secret ARN (optionally with :<json key>::)."
  }
}

variable "secret_arns" {
  type        = list(string)
  description = "Secrets Manager secrets the execution role may read (those the container's secrets come from)."
  default     = []

  validation {
    condition     = alltrue([for arn in var.secret_arns : can(regex("^arn:[^:]+:secretsmanager:", arn))])
    error_message = "secret_arns must be Secrets Manager secret ARNs."
  }
}

variable "ecr_repository_arns" {
  type        = list(string)
  description = "ECR repositories the execution role may pull the image from. Empty: a public registry."
  default     = []

  validation {
    condition     = alltrue([for arn in var.ecr_repository_arns : can(regex("^arn:[^:]+:ecr:", arn))])
    error_message = "ecr_repository_arns must be ECR repository ARNs."
  }
}

variable "health_check" {
  type = object({
    command      = list(string)
    interval     = optional(number, 30)
    timeout      = optional(number, 5)
    retries      = optional(number, 3)
    start_period = optional(number, 0)
  })
  description = "Container health check: command (CMD or CMD-SHELL form), and interval, timeout and start period in seconds, retries."

  validation {
    condition     = length(var.health_check.command) >= 2 && contains(["CMD", "CMD-SHELL"], var.health_check.command[0])
    error_message = "health_check.command must start with CMD or CMD-SHELL and name a command."
  }

  validation {
    condition = (
      var.health_check.interval >= 5 && var.health_check.interval <= 300 &&
      var.health_check.timeout >= 2 && var.health_check.timeout <= 120 &&
      var.health_check.retries >= 1 && var.health_check.retries <= 10 &&
      var.health_check.start_period >= 0 && var.health_check.start_period <= 300
    )
    error_message = "health_check must keep ECS's limits: interval 5-300, timeout 2-120, retries 1-10, start_period 0-300."
  }
}

variable "task_policy_json" {
  type        = string
  description = "IAM policy document (JSON) of the service's own AWS calls, merged into the task role's policy next to ECS Exec. Null: ECS Exec only."
  default     = null
}

variable "task_policy_name" {
  type        = string
  description = "Name of the task role's inline policy."

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,128}$", var.task_policy_name))
    error_message = "task_policy_name must be a valid IAM policy name."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the log group, the secrets, the image and ECS Exec sessions (both roles may decrypt with it)."

  validation {
    condition     = startswith(var.kms_key_arn, "arn:")
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the service's log group, in days."
  default     = 365

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (0 for never, 1, 3, 5, 7, 14, 30, ..., 365, ..., 3653)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource."
  default     = {}
}
