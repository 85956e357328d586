# Test-only (see ../../moto_override.tf). Each line names the emulator gap it covers.

resource "aws_ecs_service" "this" {
  lifecycle {
    ignore_changes = [
      enable_execute_command,        # moto's DescribeServices does not return enableExecuteCommand
      enable_ecs_managed_tags,       # moto's DescribeServices does not return enableECSManagedTags
      availability_zone_rebalancing, # moto does not return availabilityZoneRebalancing; the provider then plans its default
    ]
  }
}
