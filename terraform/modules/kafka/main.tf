# One Kafka broker on EC2 in KRaft mode, private, reached as kafka.<namespace>:9092 through
# Cloud Map so clients survive an instance replacement. Its log directories live on their own EBS
# volume, which outlives the instance: a new Kafka version, partition count or retention replaces the
# instance (user_data) and the new broker mounts the same topics, Connect's offsets included.

data "aws_ssm_parameter" "ami" {
  name = var.ami_ssm_parameter
}

locals {
  advertised_host = "kafka.${var.namespace_name}"
  # Nitro instances show it as an NVMe device named after the volume id; user_data finds it either way.
  data_device = "/dev/sdf"
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
    data_volume_id      = aws_ebs_volume.data.id
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

  # The operating system and Kafka's binaries only; nothing on it outlives the instance.
  root_block_device {
    volume_type           = "gp3"
    volume_size           = var.root_volume_size_gb
    encrypted             = true
    kms_key_id            = var.kms_key_arn
    delete_on_termination = true
    tags                  = merge(var.tags, { Name = "${var.name}-kafka-root" })
  }

  # No volume_tags: they would also claim the data volume attached below and fight its own tags.
  tags = merge(var.tags, { Name = "${var.name}-kafka" })

  lifecycle {
    ignore_changes = [ami]
  }
}

# ---- the log directories: a volume of their own ----

resource "aws_ebs_volume" "data" {
  availability_zone = var.availability_zone
  type              = "gp3"
  size              = var.data_volume_size_gb
  encrypted         = true
  kms_key_id        = var.kms_key_arn
  tags              = merge(var.tags, { Name = "${var.name}-kafka-data" })
}

# Replaced with the instance; the volume is not. The old instance is stopped before the volume is
# detached, so the broker shuts down cleanly and the new one finds a consistent log.
resource "aws_volume_attachment" "data" {
  device_name                    = local.data_device
  volume_id                      = aws_ebs_volume.data.id
  instance_id                    = aws_instance.broker.id
  stop_instance_before_detaching = true
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
