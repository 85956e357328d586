variable "region" {
  type        = string
  description = "AWS region of the pipeline."
  default     = "ap-south-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as ap-south-1."
  }
}

variable "environment" {
  type        = string
  description = "Environment name, used in resource names and tags (dev, staging, prod)."
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2-16 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name."
  default     = "cdcctl"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name_prefix))
    error_message = "name_prefix must be 2-21 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource (merged with Project and Environment)."
  default     = {}
}

variable "vpc_cidr" {
  type        = string
  description = "CIDR block of the pipeline VPC."
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 20
    error_message = "vpc_cidr must be a valid IPv4 CIDR of /20 or larger."
  }
}

variable "availability_zones" {
  type        = list(string)
  description = "Availability zones of the subnets, pinned by name (2 or 3; RDS needs two)."
  default     = ["ap-south-1a", "ap-south-1b"]

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 3
    error_message = "availability_zones must list 2 or 3 zones."
  }

  validation {
    condition     = alltrue([for az in var.availability_zones : startswith(az, var.region)])
    error_message = "every availability zone must be in var.region."
  }
}

variable "admin_cidr_blocks" {
  type        = list(string)
  description = "CIDR blocks (VPN, bastion) allowed to reach the Connect REST API (8083) and the Airflow UI (8080). Empty: nobody outside the pipeline."
  default     = []

  validation {
    condition     = alltrue([for c in var.admin_cidr_blocks : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "admin_cidr_blocks must be valid CIDRs and must not be 0.0.0.0/0."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of every CloudWatch log group, in days."
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch retention value of at least 365."
  }
}

variable "db_instance_class" {
  type        = string
  description = "RDS instance class of the source PostgreSQL."
  default     = "db.t4g.medium"

  validation {
    condition     = startswith(var.db_instance_class, "db.")
    error_message = "db_instance_class must start with db. (for example db.t4g.medium)."
  }
}

variable "db_multi_az" {
  type        = bool
  description = "Run the source database Multi-AZ."
  default     = true
}

variable "db_deletion_protection" {
  type        = bool
  description = "Protect the source database from deletion."
  default     = true
}

variable "db_secret_name" {
  type        = string
  description = "Name of the Secrets Manager secret with the database credentials (JSON: host, port, username, password); handed to Airflow and to the jobs that read the source."
  default     = "db-credentials"
}

variable "db_secret_recovery_window_days" {
  type        = number
  description = "Days a destroyed credentials secret stays restorable (7-30), during which its name cannot be created again. 0 deletes it at once: for environments that are destroyed and re-created (dev)."
  default     = 7

  validation {
    condition     = var.db_secret_recovery_window_days == 0 || (var.db_secret_recovery_window_days >= 7 && var.db_secret_recovery_window_days <= 30)
    error_message = "db_secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "db_password_version" {
  type        = number
  description = "Version of the generated database master password; raise it by one to rotate it (the next apply writes a new one to the database and the secret, never to state)."
  default     = 1

  validation {
    condition     = var.db_password_version >= 1 && floor(var.db_password_version) == var.db_password_version
    error_message = "db_password_version must be a whole number, 1 or more."
  }
}

variable "lake_force_destroy" {
  type        = bool
  description = "Let terraform destroy delete the lake and access-log buckets with their objects. Keep false for environments whose data matters; dev sets true so it can be torn down."
  default     = false
}

variable "debezium_image" {
  type        = string
  description = "Container image of the Debezium Kafka Connect worker."
  default     = "quay.io/debezium/connect:3.6.1.Final"
}

variable "airflow_image" {
  type        = string
  description = "Container image of Airflow (built from docker/airflow/Dockerfile). Null: the module's ECR repository at airflow_image_tag."
  default     = null
}

variable "airflow_image_tag" {
  type        = string
  description = "Tag in the Airflow ECR repository, used when airflow_image is null."
  default     = "1.0.0"
}

variable "kafka_instance_type" {
  type        = string
  description = "EC2 instance type of the Kafka broker."
  default     = "m7i.large"
}

variable "kafka_version" {
  type        = string
  description = "Apache Kafka version installed on the broker."
  default     = "4.3.1"
}

variable "glue_version" {
  type        = string
  description = "Glue version of the jobs (6.0: Spark 4.1, Iceberg 1.11; the line the local runtime pins)."
  default     = "6.0"
}

variable "glue_worker_type" {
  type        = string
  description = "Glue worker type of every job."
  default     = "G.1X"
}

variable "glue_number_of_workers" {
  type        = number
  description = "Number of Glue workers per job."
  default     = 2
}

variable "alert_email" {
  type        = string
  description = "Email address subscribed to the alerts topics. Empty: no subscription, which every plan and apply reports (check alerts_have_a_subscriber) and alerts_subscribed says."
  default     = ""

  validation {
    condition     = var.alert_email == "" || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alert_email))
    error_message = "alert_email must be empty or an email address."
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
