variable "name" {
  type        = string
  description = "Name prefix of the database resources (the instance is <name>-source)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets of the DB subnet group (at least two AZs)."

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must list at least two subnets in different AZs."
  }
}

variable "security_group_id" {
  type        = string
  description = "Security group of the database (ingress 5432 from Connect only)."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key encrypting storage, Performance Insights, logs and the credentials secret."

  validation {
    condition     = startswith(var.kms_key_arn, "arn:")
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "engine_version" {
  type        = string
  description = "PostgreSQL major version (minor versions are upgraded automatically)."
  default     = "16"

  validation {
    condition     = can(regex("^16(\\.[0-9]+)?$", var.engine_version))
    error_message = "engine_version must be PostgreSQL 16 (16 or 16.x): the parameter group family is postgres16."
  }
}

variable "instance_class" {
  type        = string
  description = "RDS instance class."
  default     = "db.t4g.medium"

  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "instance_class must start with db."
  }
}

variable "allocated_storage_gb" {
  type        = number
  description = "Initial storage in GiB (gp3)."
  default     = 20

  validation {
    condition     = var.allocated_storage_gb >= 20 && var.allocated_storage_gb <= 65536
    error_message = "allocated_storage_gb must be between 20 and 65536."
  }
}

variable "max_allocated_storage_gb" {
  type        = number
  description = "Storage autoscaling ceiling in GiB (WAL retained by a lagging slot grows storage)."
  default     = 100
}

variable "database_name" {
  type        = string
  description = "Name of the source database."
  default     = "cdc_demo"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must be a lowercase PostgreSQL identifier."
  }
}

variable "master_username" {
  type        = string
  description = "Master user name (its password is generated at apply time, never an input)."
  default     = "cdc_admin"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,15}$", var.master_username)) && !contains(["postgres", "admin", "rdsadmin"], var.master_username)
    error_message = "master_username must be a lowercase identifier of at most 16 characters and not a reserved name."
  }
}

variable "secret_name" {
  type        = string
  description = "Name of the Secrets Manager secret receiving the credentials as JSON (host, port, username, password, dbname)."
  default     = "db-credentials"

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", var.secret_name)) && !can(regex("-[A-Za-z0-9]{6}$", var.secret_name))
    error_message = "secret_name must be 1-512 letters, digits or /_+=.@- and must not end in a hyphen and six characters (Secrets Manager's ARN suffix)."
  }
}

variable "secret_recovery_window_days" {
  type        = number
  description = "Days a deleted credentials secret can be restored. 0 deletes it at once, so the same name can be created again right after a destroy (dev environments); 7-30 keeps it restorable, and blocks re-creating the name for that long."
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "password_version" {
  type        = number
  description = "Version of the generated master password. Raise it by one to rotate: the next apply generates a new password and writes it to the instance and to the secret together (never to state)."
  default     = 1

  validation {
    condition     = var.password_version >= 1 && floor(var.password_version) == var.password_version
    error_message = "password_version must be a whole number, 1 or more."
  }
}

variable "multi_az" {
  type        = bool
  description = "Run the database Multi-AZ."
  default     = true
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the database from deletion (turn off only to destroy a dev environment)."
  default     = true
}

variable "backup_retention_days" {
  type        = number
  description = "Days automated backups are kept."
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 1 and 35."
  }
}

variable "monitoring_interval" {
  type        = number
  description = "Enhanced Monitoring interval in seconds."
  default     = 60

  validation {
    condition     = contains([1, 5, 10, 15, 30, 60], var.monitoring_interval)
    error_message = "monitoring_interval must be one of 1, 5, 10, 15, 30, 60."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the exported PostgreSQL logs, in days."
  default     = 365
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource."
  default     = {}
}

variable "role_names" {
  type        = list(string)
  description = "The pipeline's least-privilege database roles (pipeline.yaml source.roles); each gets a secret <secret_name>-<role> with a generated password."
  default     = []

  validation {
    condition     = alltrue([for r in var.role_names : can(regex("^[a-z][a-z0-9_]{0,62}$", r))])
    error_message = "role_names must be lower-case PostgreSQL identifiers."
  }
}
