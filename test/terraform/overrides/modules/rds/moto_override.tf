# Test-only (see ../../moto_override.tf). Each line names the emulator gap it covers.

resource "aws_db_instance" "this" {
  lifecycle {
    ignore_changes = [
      performance_insights_enabled,          # moto does not keep Performance Insights settings
      performance_insights_kms_key_id,       # as above
      performance_insights_retention_period, # as above
    ]
  }
}

resource "aws_db_parameter_group" "this" {
  lifecycle {
    ignore_changes = [
      parameter, # moto's DescribeDBParameters leaves out each parameter's Source, so the provider reads none back as the user's
    ]
  }
}
