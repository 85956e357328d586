# terraform init -backend-config=envs/dev.backend.hcl
# The state bucket is created once per account, before the first init (see terraform/README.md).
bucket = "cdcctl-tfstate-123456789012-ap-south-1"
key    = "cdcctl/dev/terraform.tfstate"
region = "ap-south-1"
