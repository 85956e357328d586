output "service_name" {
  description = "Name of the ECS service (<name>-<component>)."
  value       = aws_ecs_service.this.name
}

output "task_definition_arn" {
  description = "ARN (with revision) of the service's task definition."
  value       = aws_ecs_task_definition.this.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the service's container (/ecs/<name>/<component>)."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the service's log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "execution_role_arn" {
  description = "IAM role with which ECS starts the tasks."
  value       = aws_iam_role.execution.arn
}

output "task_role_arn" {
  description = "IAM role of the running tasks."
  value       = aws_iam_role.task.arn
}
