# Terraform 1.11: write-only arguments keep the generated database password out of state and plan.
terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.88.0, < 7.0.0"
    }
  }

  # Partial configuration: bucket, key and region come from envs/<env>.backend.hcl at
  # `terraform init -backend-config=envs/dev.backend.hcl`. S3-native locking (a .tflock object),
  # no DynamoDB table needed.
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}
