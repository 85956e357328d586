output "instance_id" {
  description = "EC2 instance ID of the broker."
  value       = aws_instance.broker.id
}

output "private_ip" {
  description = "Private IP address of the broker."
  value       = aws_instance.broker.private_ip
}

output "bootstrap_servers" {
  description = "Bootstrap servers for clients inside the VPC (kafka.<namespace>:9092)."
  value       = "${local.advertised_host}:9092"
}

output "data_volume_id" {
  description = "EBS volume holding the broker's log directories (it survives instance replacement)."
  value       = aws_ebs_volume.data.id
}

output "log_retention_hours" {
  description = "How long the broker keeps records; bronze must have read them by then."
  value       = var.log_retention_hours
}
