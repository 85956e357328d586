variable "name" {
  type        = string
  description = "Name prefix of the broker resources."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "subnet_id" {
  type        = string
  description = "Private subnet of the broker."

  validation {
    condition     = startswith(var.subnet_id, "subnet-")
    error_message = "subnet_id must be a subnet ID (subnet-...)."
  }
}

variable "availability_zone" {
  type        = string
  description = "Availability zone of subnet_id, where the data volume is created (a volume attaches only within its zone)."

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9][a-z]$", var.availability_zone))
    error_message = "availability_zone must be an availability zone name such as ap-south-1a."
  }
}

variable "security_group_id" {
  type        = string
  description = "Security group of the broker (ingress 9092 from Connect, Glue and Airflow)."
}

variable "namespace_id" {
  type        = string
  description = "Cloud Map private DNS namespace in which the broker registers as kafka.<namespace>."
}

variable "namespace_name" {
  type        = string
  description = "Name of the Cloud Map namespace (for example cdc.internal), used in the advertised listener."
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type of the broker (x86_64)."
  default     = "m7i.large"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*\\.[a-z0-9]+$", var.instance_type)) && !can(regex("^[a-z]+[0-9]+g", var.instance_type))
    error_message = "instance_type must be an x86_64 EC2 instance type (the AMI is x86_64; Graviton types are not accepted)."
  }
}

variable "kafka_version" {
  type        = string
  description = "Apache Kafka version installed from archive.apache.org (Scala 2.13 build)."
  default     = "4.3.1"

  validation {
    condition     = can(regex("^[4-9]\\.[0-9]+\\.[0-9]+$", var.kafka_version))
    error_message = "kafka_version must be 4.x.y or later (KRaft only, no ZooKeeper)."
  }
}

variable "ami_ssm_parameter" {
  type        = string
  description = "SSM public parameter with the AMI (Amazon Linux 2023, x86_64)."
  default     = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

variable "root_volume_size_gb" {
  type        = number
  description = "Size of the encrypted root volume (operating system and Kafka binaries), in GiB."
  default     = 20

  validation {
    condition     = var.root_volume_size_gb >= 8
    error_message = "root_volume_size_gb must be at least 8."
  }
}

variable "data_volume_size_gb" {
  type        = number
  description = "Size of the encrypted data volume holding the Kafka log directories, in GiB. It outlives the instance; it can grow (not shrink) in place."
  default     = 100

  validation {
    condition     = var.data_volume_size_gb >= 30
    error_message = "data_volume_size_gb must be at least 30."
  }
}

variable "num_partitions" {
  type        = number
  description = "Default partition count of auto-created topics (cdc.db.*)."
  default     = 3

  validation {
    condition     = var.num_partitions >= 1
    error_message = "num_partitions must be at least 1."
  }
}

variable "log_retention_hours" {
  type        = number
  description = "How long the broker keeps records (bronze must consume them before that)."
  default     = 168

  validation {
    condition     = var.log_retention_hours >= 24
    error_message = "log_retention_hours must be at least 24."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key encrypting the root and data volumes."

  validation {
    condition     = startswith(var.kms_key_arn, "arn:")
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource."
  default     = {}
}
