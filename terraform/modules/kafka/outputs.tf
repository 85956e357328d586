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

output "cluster_id" {
  description = "KRaft cluster id the log directory was formatted with."
  value       = random_id.cluster.b64_url
}
