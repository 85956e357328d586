# Test-only (see ../../moto_override.tf). Each line names the emulator gap it covers.

resource "aws_vpc_security_group_ingress_rule" "flow" {
  lifecycle {
    ignore_changes = [
      description, # moto leaves out the description of a rule that references another security group
    ]
  }
}

resource "aws_vpc_security_group_egress_rule" "flow" {
  lifecycle {
    ignore_changes = [
      description, # as above
    ]
  }
}
