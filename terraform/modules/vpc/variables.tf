variable "name" {
  type        = string
  description = "Name prefix of the network resources."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be lowercase letters, digits or hyphens."
  }
}

variable "cidr_block" {
  type        = string
  description = "CIDR block of the VPC."

  validation {
    condition     = can(cidrhost(var.cidr_block, 0))
    error_message = "cidr_block must be a valid IPv4 CIDR."
  }
}

variable "availability_zones" {
  type        = list(string)
  description = "Availability zones, pinned by name so the subnet layout never moves (one private and one public subnet each)."

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 3
    error_message = "availability_zones must list 2 or 3 zones (RDS needs two)."
  }
}

variable "single_nat_gateway" {
  type        = bool
  description = "One NAT gateway for all private subnets (cheaper) instead of one per AZ."
  default     = true
}

variable "admin_cidr_blocks" {
  type        = list(string)
  description = "CIDR blocks allowed to reach the Connect REST API (8083) and the Airflow UI (8080)."
  default     = []

  validation {
    condition     = alltrue([for c in var.admin_cidr_blocks : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "admin_cidr_blocks must be valid CIDRs and must not be 0.0.0.0/0."
  }
}

variable "namespace_name" {
  type        = string
  description = "Private DNS namespace (Cloud Map) in which the pipeline's services are registered."
  default     = "cdc.internal"
}

variable "interface_endpoints" {
  type        = list(string)
  description = "AWS services reached through interface VPC endpoints instead of the NAT gateway."
  default     = ["secretsmanager", "logs", "glue"]
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key encrypting the flow-log group."

  validation {
    condition     = startswith(var.kms_key_arn, "arn:")
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the flow-log group, in days."
  default     = 365

  validation {
    condition     = var.log_retention_days >= 365
    error_message = "log_retention_days must be at least 365."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource."
  default     = {}
}
