# One security group per component; rules allow only the pipeline's own flows:
#   Connect/Glue -> RDS 5432, Connect/Glue/Airflow -> Kafka 9092, Airflow -> Connect 8083,
#   Connect <-> Connect 8083 (workers forward to the leader), Glue <-> Glue (all TCP, required by
#   Glue connections), everything in the VPC -> endpoints 443.
# Outbound 443 to the internet (through NAT) is for container images, the Kafka download and AWS APIs.

resource "aws_security_group" "connect" {
  #checkov:skip=CKV2_AWS_5:Attached in modules/ecs (Debezium service); the root passes this group's id there and checkov's graph does not follow module outputs into other modules.
  name        = "${var.name}-connect"
  description = "Debezium Kafka Connect workers (ECS)"
  vpc_id      = aws_vpc.this.id
  tags        = merge(var.tags, { Name = "${var.name}-connect" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "airflow" {
  #checkov:skip=CKV2_AWS_5:Attached in modules/airflow (Airflow service); the root passes this group's id there and checkov's graph does not follow module outputs into other modules.
  name        = "${var.name}-airflow"
  description = "Airflow (ECS)"
  vpc_id      = aws_vpc.this.id
  tags        = merge(var.tags, { Name = "${var.name}-airflow" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "rds" {
  #checkov:skip=CKV2_AWS_5:Attached in modules/rds (DB instance); the root passes this group's id there and checkov's graph does not follow module outputs into other modules.
  name        = "${var.name}-rds"
  description = "Source PostgreSQL (RDS)"
  vpc_id      = aws_vpc.this.id
  tags        = merge(var.tags, { Name = "${var.name}-rds" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "kafka" {
  #checkov:skip=CKV2_AWS_5:Attached in modules/kafka (broker instance); the root passes this group's id there and checkov's graph does not follow module outputs into other modules.
  name        = "${var.name}-kafka"
  description = "Kafka broker (EC2)"
  vpc_id      = aws_vpc.this.id
  tags        = merge(var.tags, { Name = "${var.name}-kafka" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "glue" {
  #checkov:skip=CKV2_AWS_5:Attached in modules/glue (NETWORK connection); the root passes this group's id there and checkov's graph does not follow module outputs into other modules.
  name        = "${var.name}-glue"
  description = "Glue job ENIs (network connection)"
  vpc_id      = aws_vpc.this.id
  tags        = merge(var.tags, { Name = "${var.name}-glue" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "endpoints" {
  name        = "${var.name}-endpoints"
  description = "Interface VPC endpoints"
  vpc_id      = aws_vpc.this.id
  tags        = merge(var.tags, { Name = "${var.name}-endpoints" })

  lifecycle {
    create_before_destroy = true
  }
}

locals {
  sg = {
    connect   = aws_security_group.connect.id
    airflow   = aws_security_group.airflow.id
    rds       = aws_security_group.rds.id
    kafka     = aws_security_group.kafka.id
    glue      = aws_security_group.glue.id
    endpoints = aws_security_group.endpoints.id
  }

  # from -> to flows on one TCP port
  flows = {
    connect_to_rds   = { from = "connect", to = "rds", port = 5432, what = "Debezium reads the WAL" }
    connect_to_kafka = { from = "connect", to = "kafka", port = 9092, what = "Debezium produces change events" }
    glue_to_kafka    = { from = "glue", to = "kafka", port = 9092, what = "kafka_to_bronze consumes topics" }
    glue_to_rds      = { from = "glue", to = "rds", port = 5432, what = "data_quality reconcile_source reads the source" }
    airflow_to_kafka = { from = "airflow", to = "kafka", port = 9092, what = "health checks topics" }
    airflow_to_conn  = { from = "airflow", to = "connect", port = 8083, what = "connector setup and status" }
    # During a rolling deploy old and new workers run together; a follower forwards REST writes to the leader.
    connect_to_conn = { from = "connect", to = "connect", port = 8083, what = "Connect workers forward REST requests to the leader" }
  }

  # components that call AWS APIs, pull images or download packages
  https_out = ["connect", "airflow", "kafka", "glue"]

  admin_ports = {
    connect = 8083
    airflow = 8080
  }
  admin_rules = {
    for pair in setproduct(keys(local.admin_ports), var.admin_cidr_blocks) :
    "${pair[0]}-${pair[1]}" => { component = pair[0], cidr = pair[1], port = local.admin_ports[pair[0]] }
  }
}

resource "aws_vpc_security_group_ingress_rule" "flow" {
  for_each                     = local.flows
  security_group_id            = local.sg[each.value.to]
  referenced_security_group_id = local.sg[each.value.from]
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  description                  = "${each.value.from} -> ${each.value.to}: ${each.value.what}"
  tags                         = var.tags
}

resource "aws_vpc_security_group_egress_rule" "flow" {
  for_each                     = local.flows
  security_group_id            = local.sg[each.value.from]
  referenced_security_group_id = local.sg[each.value.to]
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  description                  = "${each.value.from} -> ${each.value.to}: ${each.value.what}"
  tags                         = var.tags
}

# Glue requires a self-referencing rule on the connection's security group: its driver and
# executors talk to each other on any TCP port.
resource "aws_security_group_rule" "glue_self" {
  for_each          = toset(["ingress", "egress"])
  type              = each.value
  security_group_id = local.sg.glue
  self              = true
  protocol          = "tcp"
  from_port         = 0
  to_port           = 65535
  description       = "Glue workers talk to each other (required by Glue)"
}

resource "aws_vpc_security_group_egress_rule" "https" {
  for_each          = toset(local.https_out)
  security_group_id = local.sg[each.value]
  cidr_ipv4         = local.any_ipv4
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "${each.value}: HTTPS to AWS APIs, S3, container registries and package mirrors"
  tags              = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  security_group_id = local.sg.endpoints
  cidr_ipv4         = var.cidr_block
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "HTTPS from inside the VPC to the interface endpoints"
  tags              = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "admin" {
  for_each          = local.admin_rules
  security_group_id = local.sg[each.value.component]
  cidr_ipv4         = each.value.cidr
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  description       = "Operators (VPN/bastion) to ${each.value.component}"
  tags              = var.tags
}
