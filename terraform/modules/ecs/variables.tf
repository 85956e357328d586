variable "name" {
  type        = string
  description = "Name prefix of the cluster and the Debezium service."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets of the Connect tasks."

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "subnet_ids must not be empty."
  }
}

variable "security_group_id" {
  type        = string
  description = "Security group of the Connect tasks (egress to RDS 5432 and Kafka 9092; ingress 8083 from Airflow)."
}

variable "namespace_id" {
  type        = string
  description = "Cloud Map private DNS namespace in which the Connect service registers as connect.<namespace>."
}

variable "namespace_name" {
  type        = string
  description = "Name of the Cloud Map namespace (for example cdc.internal), used in connect_url."
}

variable "image" {
  type        = string
  description = "Container image of the Debezium Kafka Connect worker."
  default     = "quay.io/debezium/connect:3.6.1.Final"

  validation {
    condition     = can(regex("^[^\\s]+:[^\\s:]+$", var.image)) && !endswith(var.image, ":latest")
    error_message = "image must carry an explicit tag other than latest (for example quay.io/debezium/connect:3.6.1.Final)."
  }
}

variable "bootstrap_servers" {
  type        = string
  description = "Kafka bootstrap servers (host:port[,host:port])."

  validation {
    condition     = can(regex("^[^,\\s]+:[0-9]+(,[^,\\s]+:[0-9]+)*$", var.bootstrap_servers))
    error_message = "bootstrap_servers must be a comma-separated list of host:port."
  }
}

variable "db_secret_arn" {
  type        = string
  description = "ARN of the secret of Debezium's database role; its keys become the worker's environment (secret_env) at run time."

  validation {
    condition     = can(regex("^arn:[^:]+:secretsmanager:", var.db_secret_arn))
    error_message = "db_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "connect_group_id" {
  type        = string
  description = "Kafka Connect worker group id (its internal topics are named after it)."
  default     = "cdc-connect"
}

variable "cpu" {
  type        = number
  description = "Fargate CPU units of a Connect task. Two vCPUs: Debezium's streaming thread and the task thread that converts and sends are both busy under load (bench/RESULTS.md)."
  default     = 2048

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.cpu)
    error_message = "cpu must be one of 256, 512, 1024, 2048, 4096."
  }
}

variable "memory" {
  type        = number
  description = "Fargate memory (MiB) of a Connect task (4096 is the least Fargate pairs with 2 vCPUs)."
  default     = 4096

  validation {
    condition     = var.memory >= 1024
    error_message = "memory must be at least 1024 MiB for a Connect worker."
  }
}

variable "desired_count" {
  type        = number
  description = "Number of Connect workers."
  default     = 1

  validation {
    condition     = var.desired_count >= 1
    error_message = "desired_count must be at least 1."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the log group and of the secret (the execution role may decrypt with it)."

  validation {
    condition     = startswith(var.kms_key_arn, "arn:")
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the Connect and exec log groups, in days."
  default     = 365
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource."
  default     = {}
}

variable "worker_properties" {
  type        = map(string)
  description = "Kafka Connect worker properties (pipeline.yaml connect.worker), given to the worker as CONNECT_<NAME> environment variables."
  default     = {}

  validation {
    condition     = alltrue([for p in keys(var.worker_properties) : can(regex("^[a-z][a-z0-9]*(\\.[a-z0-9]+)*$", p))])
    error_message = "worker_properties keys must be Connect property names such as offset.flush.interval.ms."
  }
}

variable "secret_env" {
  type        = list(object({ name = string, secret_key = string }))
  description = "Environment variables the worker gets from db_secret_arn's keys (pipeline.yaml connect.secret_env): what the connector config's env:NAME references read."

  validation {
    condition     = length(var.secret_env) > 0 && alltrue([for s in var.secret_env : can(regex("^[A-Z][A-Z0-9_]*$", s.name))])
    error_message = "secret_env must name at least one upper-case environment variable."
  }
}

variable "ca_bundle_url" {
  type        = string
  description = "Where the task fetches RDS's CA bundle at start (pipeline.yaml tls.rds_ca_bundle_url)."

  validation {
    condition     = startswith(var.ca_bundle_url, "https://")
    error_message = "ca_bundle_url must be an https URL."
  }
}

variable "ca_bundle_path" {
  type        = string
  description = "Where the connector's config expects the CA bundle inside the container (pipeline.yaml tls.connect_root_cert)."

  validation {
    condition     = startswith(var.ca_bundle_path, "/")
    error_message = "ca_bundle_path must be an absolute path."
  }
}
