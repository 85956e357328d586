output "db_instance_identifier" {
  description = "Identifier of the RDS instance."
  value       = aws_db_instance.this.identifier
}

output "address" {
  description = "Hostname of the database (private)."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the database."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "Name of the source database."
  value       = var.database_name
}

output "secret_name" {
  description = "Name of the Secrets Manager secret with the credentials (not its value)."
  value       = aws_secretsmanager_secret.db.name
}

output "secret_arn" {
  description = "ARN of the Secrets Manager secret with the credentials (not its value)."
  value       = aws_secretsmanager_secret.db.arn
}

output "role_secret_arns" {
  description = "ARNs of the role secrets keyed by role name (not their values)."
  value       = { for r, s in aws_secretsmanager_secret.role : r => s.arn }
}

output "role_secret_names" {
  description = "Names of the role secrets keyed by role name (not their values)."
  value       = { for r, s in aws_secretsmanager_secret.role : r => s.name }
}
