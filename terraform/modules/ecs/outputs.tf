output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "service_name" {
  description = "Name of the Debezium Connect ECS service."
  value       = aws_ecs_service.connect.name
}

output "connect_url" {
  description = "Kafka Connect REST URL inside the VPC."
  value       = "http://${local.connect_host}:8083"
}

output "log_group_name" {
  description = "CloudWatch log group of the Connect workers."
  value       = aws_cloudwatch_log_group.connect.name
}

output "task_role_arn" {
  description = "IAM role of the Connect tasks."
  value       = aws_iam_role.task.arn
}
