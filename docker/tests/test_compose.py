"""docker/docker-compose.yml: valid against the Compose Specification, and the same ports, database,
and schema file as the native stack that cdcctl starts (ARCHITECTURE.md: Postgres 5432, Kafka 9092,
Connect 8083, database cdc_demo, runtime/postgres/schema.sql).

compose-spec.json is the Compose Specification's JSON schema as vendored by the npm package
dclint@3.1.0 (schemas/compose.schema.json, MIT; the schema itself is compose-spec's, Apache-2.0).
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

DOCKER = Path(__file__).resolve().parent.parent
REPO = DOCKER.parent
COMPOSE = DOCKER / "docker-compose.yml"
SCHEMA = Path(__file__).resolve().parent / "compose-spec.json"
SCHEMA_SHA256 = "46b7d35f19dd93a05f8fea530291bf84d881c1791ec167ecf0e6fb94e639d496"

NATIVE = {
    "postgres_port": 5432,
    "kafka_port": 9092,
    "connect_port": 8083,
    "database": "cdc_demo",
    "schema_file": REPO / "runtime" / "postgres" / "schema.sql",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def published(service: dict) -> dict[int, int]:
    """container port -> host port of a service's short-syntax port mappings."""
    mapping = {}
    for entry in service.get("ports", []):
        host, container = str(entry).split(":")[-2:]
        mapping[int(container.split("/")[0])] = int(host)
    return mapping


def test_vendored_schema_is_the_recorded_copy():
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256


def test_compose_file_is_valid_against_the_compose_specification(compose):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_schema_rejects_what_compose_rejects():
    # The schema declares draft-07 (by an https URL jsonschema does not map), hence Draft7Validator.
    schema = json.loads(SCHEMA.read_text())
    broken = {"services": {"postgres": {"image": "postgres:16", "ports": {"not": "a list"}}}}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_every_long_running_service_has_a_healthcheck(compose):
    missing = [name for name, svc in compose["services"].items()
               if svc.get("restart") != "no" and "healthcheck" not in svc]
    assert not missing, f"services without healthcheck: {missing}"


def test_ports_match_the_native_stack(compose):
    services = compose["services"]
    assert published(services["postgres"])[5432] == NATIVE["postgres_port"]
    assert published(services["kafka"])[9092] == NATIVE["kafka_port"]
    assert published(services["connect"])[8083] == NATIVE["connect_port"]
    assert published(services["kafka-ui"])[8080] == 8081


def test_every_published_port_is_bound_to_loopback(compose):
    exposed = [f"{name}: {entry}" for name, svc in compose["services"].items() for entry in svc.get("ports", [])
               if not str(entry).startswith("127.0.0.1:")]
    assert not exposed, f"ports published on every interface: {exposed}"


def test_kafka_ui_is_the_maintained_fork(compose):
    # provectuslabs/kafka-ui is unmaintained since 2024; Kafbat UI is its maintained fork.
    assert compose["services"]["kafka-ui"]["image"].startswith("kafbat/kafka-ui:v")


def test_kafka_listens_on_kafka_29092_inside_and_localhost_9092_outside(compose):
    env = compose["services"]["kafka"]["environment"]
    assert compose["services"]["kafka"]["image"] == "apache/kafka:4.3.1"
    assert "broker,controller" in env["KAFKA_PROCESS_ROLES"]
    advertised = env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert "INTERNAL://kafka:29092" in advertised and "EXTERNAL://localhost:9092" in advertised
    assert compose["services"]["connect"]["environment"]["BOOTSTRAP_SERVERS"] == "kafka:29092"


def test_postgres_is_16_with_logical_wal_and_tls_only(compose):
    pg = compose["services"]["postgres"]
    assert pg["image"].startswith("postgres:16")
    assert {"wal_level=logical", "ssl=on"} <= set(pg["command"])
    # the certificate cdcctl made for the local stack (src/lib/local/tls.ts), mounted read-only
    assert "${CDCCTL_TLS_DIR:?run through cdcctl local up (runtime docker)}:/etc/cdcctl/tls:ro" in pg["volumes"]
    assert "ssl_cert_file=/etc/cdcctl/tls/server.crt" in pg["command"]


def test_the_database_and_schema_are_made_by_cdcctl_as_on_the_native_stack(compose):
    # `cdcctl local up` provisions the application role, database and runtime/postgres/schema.sql on
    # both runtimes (src/lib/local/docker.ts provisionDatabase): the image's init scripts make none.
    pg = compose["services"]["postgres"]
    assert "POSTGRES_DB" not in pg["environment"]
    assert not [v for v in pg["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert compose["services"]["connect"]["environment"]["CDC_DB_NAME"] == NATIVE["database"]
    assert NATIVE["schema_file"].is_file()


def test_credentials_come_only_from_cdcctl_with_no_default(compose):
    # the superuser's and Debezium's role's generated passwords: compose refuses to start without them
    pg_env = compose["services"]["postgres"]["environment"]
    connect_env = compose["services"]["connect"]["environment"]
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", pg_env["POSTGRES_PASSWORD"])
    assert re.fullmatch(r"\$\{CDC_REPLICATION_USER:\?[^}]+\}", connect_env["CDC_DB_USER"])
    assert re.fullmatch(r"\$\{CDC_REPLICATION_PASSWORD:\?[^}]+\}", connect_env["CDC_DB_PASSWORD"])


def test_connect_reads_the_database_settings_the_catalog_names_from_its_environment(compose):
    # the connector's config refers to ${env:<name>} for each (src/lib/connect/debezium.ts)
    catalog = yaml.safe_load((REPO / "pipeline.yaml").read_text())
    env = compose["services"]["connect"]["environment"]
    assert env["CONNECT_CONFIG_PROVIDERS_ENV_CLASS"] == "org.apache.kafka.common.config.provider.EnvVarConfigProvider"
    assert sorted(v["env"] for v in catalog["connect"]["secret_env"].values()) == sorted(k for k in env if k.startswith("CDC_DB_"))


def test_images_are_pinned(compose):
    images = {name: svc["image"] for name, svc in compose["services"].items()}
    assert images["connect"] == "quay.io/debezium/connect:3.6.1.Final"
    assert all(":" in i and not i.endswith(":latest") for i in images.values()), images


def test_no_service_creates_topics_connector_register_does(compose):
    # `cdcctl connector register` creates the catalog's topics with the profile's partitions on either
    # stack, so the compose file does not list them a second time.
    assert "kafka-topics" not in compose["services"]
