output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "exec_log_group_arn" {
  description = "ARN of the cluster's ECS Exec log group, to which the task role of every service in the cluster must be allowed to write."
  value       = aws_cloudwatch_log_group.exec.arn
}

output "service_name" {
  description = "Name of the Debezium Connect ECS service."
  value       = module.connect.service_name
}

output "connect_url" {
  description = "Kafka Connect REST URL inside the VPC."
  value       = "http://${local.connect_host}:8083"
}

output "log_group_name" {
  description = "CloudWatch log group of the Connect workers."
  value       = module.connect.log_group_name
}

output "task_role_arn" {
  description = "IAM role of the Connect tasks."
  value       = module.connect.task_role_arn
}
