# Test-only (see ../../moto_override.tf). Each line names the emulator gap it covers.

resource "aws_glue_connection" "vpc" {
  lifecycle {
    ignore_changes = [
      connection_type, # moto's GetConnection leaves ConnectionType out, so NETWORK reads back as a change
    ]
  }
}

resource "aws_glue_job" "this" {
  lifecycle {
    ignore_changes = [
      execution_class, # moto fills in ExecutionClass STANDARD for a job created without one
    ]
  }
}
