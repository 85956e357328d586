output "vpc_id" {
  description = "ID of the pipeline VPC."
  value       = aws_vpc.this.id
}

output "private_subnet_ids" {
  description = "IDs of the private subnets (data services), one per AZ."
  value       = aws_subnet.private[*].id
}

output "private_subnet_azs" {
  description = "Availability zones of the private subnets, in the order of private_subnet_ids."
  value       = aws_subnet.private[*].availability_zone
}

output "connect_security_group_id" {
  description = "Security group of the Debezium Connect tasks."
  value       = aws_security_group.connect.id
}

output "airflow_security_group_id" {
  description = "Security group of the Airflow task."
  value       = aws_security_group.airflow.id
}

output "rds_security_group_id" {
  description = "Security group of the source database."
  value       = aws_security_group.rds.id
}

output "kafka_security_group_id" {
  description = "Security group of the Kafka broker."
  value       = aws_security_group.kafka.id
}

output "glue_security_group_id" {
  description = "Security group of the Glue network connection (self-referencing)."
  value       = aws_security_group.glue.id
}

output "namespace_id" {
  description = "ID of the Cloud Map private DNS namespace."
  value       = aws_service_discovery_private_dns_namespace.this.id
}

output "namespace_name" {
  description = "Name of the Cloud Map private DNS namespace (for example cdc.internal)."
  value       = aws_service_discovery_private_dns_namespace.this.name
}

output "flow_log_group_name" {
  description = "CloudWatch log group of the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}
