provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}

# Billing metrics exist only in us-east-1, so the cost alarm and its topic live there.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = local.tags
  }
}
