# Test-only (copied into a temporary copy of terraform/ by test/terraform/emulator; never in terraform/).
# Each setting names the emulator gap it covers.

# No backend override: the real S3 backend (versions.tf, envs/dev.backend.hcl) keeps the state in a
# state bucket on the emulator's S3, which the test makes first as terraform/README.md says.

provider "aws" {
  # moto answers an API it does not implement with HTTP 500, which the SDK retries for minutes:
  # a low retry count makes such a gap fail in seconds.
  max_retries = 2
  # moto serves every bucket on its one endpoint, by path.
  s3_use_path_style = true
}

provider "aws" {
  alias             = "us_east_1"
  max_retries       = 2    # as above
  s3_use_path_style = true # as above
}
