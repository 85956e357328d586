# Test-only (see ../../moto_override.tf). Each line names the emulator gap it covers.

resource "aws_instance" "broker" {
  # monitoring = true makes the provider call EC2 MonitorInstances, which moto does not implement (HTTP 500).
  monitoring = false

  lifecycle {
    ignore_changes = [
      ami,                         # as in the module (the AMI parameter moves; replacing the broker is deliberate)
      associate_public_ip_address, # moto reports the subnet's public-IP setting back, not the instance's false
      vpc_security_group_ids,      # moto lists a VPC instance's security groups on its network interface only
    ]
  }
}
