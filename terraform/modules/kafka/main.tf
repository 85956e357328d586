# One Kafka broker on EC2 in KRaft mode, private, reached as kafka.<namespace>:9092 through
# Cloud Map so clients survive an instance replacement.

data "aws_ssm_parameter" "ami" {
  name = var.ami_ssm_parameter
}

# KRaft cluster ids are 16 random bytes, base64url without padding (what kafka-storage.sh random-uuid prints).
resource "random_id" "cluster" {
  byte_length = 16
}

locals {
  advertised_host = "kafka.${var.namespace_name}"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "broker" {
  name               = "${var.name}-kafka-broker"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

# Shell access through SSM Session Manager: no SSH key, no port 22.
resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.broker.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "broker" {
  name = "${var.name}-kafka-broker"
  role = aws_iam_role.broker.name
  tags = var.tags
}

resource "aws_instance" "broker" {
  ami                         = data.aws_ssm_parameter.ami.value
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_id
  vpc_security_group_ids      = [var.security_group_id]
  iam_instance_profile        = aws_iam_instance_profile.broker.name
  associate_public_ip_address = false
  monitoring                  = true
  ebs_optimized               = true

  user_data = templatefile("${path.module}/user_data.sh.tftpl", {
    kafka_version       = var.kafka_version
    cluster_id          = random_id.cluster.b64_url
    advertised_host     = local.advertised_host
    num_partitions      = var.num_partitions
    log_retention_hours = var.log_retention_hours
  })
  user_data_replace_on_change = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = var.volume_size_gb
    encrypted             = true
    kms_key_id            = var.kms_key_arn
    delete_on_termination = true
  }

  tags        = merge(var.tags, { Name = "${var.name}-kafka" })
  volume_tags = merge(var.tags, { Name = "${var.name}-kafka" })

  lifecycle {
    ignore_changes = [ami]
  }
}

# ---- kafka.<namespace> ----

resource "aws_service_discovery_service" "kafka" {
  name = "kafka"

  dns_config {
    namespace_id   = var.namespace_id
    routing_policy = "MULTIVALUE"
    dns_records {
      type = "A"
      ttl  = 30
    }
  }

  tags = var.tags
}

resource "aws_service_discovery_instance" "broker" {
  instance_id = aws_instance.broker.id
  service_id  = aws_service_discovery_service.kafka.id

  attributes = {
    AWS_INSTANCE_IPV4 = aws_instance.broker.private_ip
  }
}
