variable "bucket_name" {
  type        = string
  description = "Name of the data-lake bucket (storage root s3://<bucket>/); the access-log bucket is <bucket>-access-logs."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,48}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3-50 lowercase letters, digits, dots or hyphens (room is left for the -access-logs suffix)."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key encrypting the data-lake bucket."

  validation {
    condition     = startswith(var.kms_key_arn, "arn:")
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "checkpoint_noncurrent_days" {
  type        = number
  description = "Days after which superseded versions of streaming checkpoint files are deleted (current files are never expired)."
  default     = 7

  validation {
    condition     = var.checkpoint_noncurrent_days >= 1
    error_message = "checkpoint_noncurrent_days must be at least 1."
  }
}

variable "dlq_infrequent_access_days" {
  type        = number
  description = "Days after which dead-letter records move to STANDARD_IA (they are kept until replayed and removed by cdcctl)."
  default     = 30

  validation {
    condition     = var.dlq_infrequent_access_days >= 30
    error_message = "dlq_infrequent_access_days must be at least 30 (S3's minimum for STANDARD_IA)."
  }
}

variable "noncurrent_version_days" {
  type        = number
  description = "Days after which superseded object versions outside checkpoints/ are deleted."
  default     = 30

  validation {
    condition     = var.noncurrent_version_days >= 1
    error_message = "noncurrent_version_days must be at least 1."
  }
}

variable "access_log_days" {
  type        = number
  description = "Days the S3 server access logs are kept."
  default     = 365

  validation {
    condition     = var.access_log_days >= 90
    error_message = "access_log_days must be at least 90."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Allow terraform destroy to delete non-empty buckets (dev only)."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource."
  default     = {}
}
