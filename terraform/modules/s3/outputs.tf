output "bucket_name" {
  description = "Name of the data-lake bucket."
  value       = aws_s3_bucket.lake.id
}

output "bucket_arn" {
  description = "ARN of the data-lake bucket."
  value       = aws_s3_bucket.lake.arn
}

output "storage_root" {
  description = "Storage root of the pipeline (s3://<bucket>)."
  value       = "s3://${aws_s3_bucket.lake.id}"
}

output "access_logs_bucket_name" {
  description = "Name of the bucket receiving the lake's server access logs."
  value       = aws_s3_bucket.access_logs.id
}
