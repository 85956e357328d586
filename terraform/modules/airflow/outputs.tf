output "service_name" {
  description = "Name of the Airflow ECS service."
  value       = module.service.service_name
}

output "log_group_name" {
  description = "CloudWatch log group of the Airflow task."
  value       = module.service.log_group_name
}

output "ecr_repository_url" {
  description = "ECR repository of the Airflow image (push <url>:<image_tag> before deploy)."
  value       = aws_ecr_repository.airflow.repository_url
}

output "image" {
  description = "Image the Airflow task runs."
  value       = local.image
}

output "task_role_arn" {
  description = "IAM role of the Airflow task."
  value       = module.service.task_role_arn
}
