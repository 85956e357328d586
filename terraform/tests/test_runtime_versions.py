"""The Glue version Terraform deploys and the local runtime (runtime/spark/pom.xml, runtime/requirements.txt)
name the same Spark, Scala and Iceberg lines, so what passes locally is what runs on Glue."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tf_hcl import TERRAFORM, modules, root, unquote  # noqa: F401 (fixtures)

RUNTIME = TERRAFORM.parent / "runtime"
POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}

# Glue version -> the lines it runs (AWS Glue's migration notes, Appendix A and D).
GLUE_LINES = {
    "6.0": {"spark": "4.1", "scala": "2.13", "iceberg": "1.11", "python": "3.13"},
}


def minor(version):
    return ".".join(version.split(".")[:2])


def deployed_glue_version(root, modules):
    """The Glue version the root deploys: its variable's default, passed through to the module's jobs."""
    (glue_call,) = [body for label, body, _ in root.blocks("module") if label == "glue"]
    assert unquote(glue_call["glue_version"]) == "${var.glue_version}", "the root must pass var.glue_version to modules/glue"
    (_, _, job, _), = modules["glue"].resources("aws_glue_job")
    assert unquote(job["glue_version"]) == "${var.glue_version}", "every Glue job must take var.glue_version"
    root_default = unquote(root.variables["glue_version"]["default"])
    module_default = unquote(modules["glue"].variables["glue_version"]["default"])
    assert root_default == module_default, f"root glue_version {root_default} != module default {module_default}"
    return root_default


def local_pins():
    pom = ET.parse(RUNTIME / "spark" / "pom.xml").getroot()
    props = {el.tag.split("}")[1]: el.text.strip() for el in pom.find("m:properties", POM_NS)}
    artifacts = []
    for dep in pom.iterfind("m:dependencies/m:dependency", POM_NS):
        artifact = dep.find("m:artifactId", POM_NS).text
        artifacts.append(re.sub(r"\$\{([\w.]+)\}", lambda m: props[m.group(1)], artifact))
    requirements = (RUNTIME / "requirements.txt").read_text()
    (pyspark,) = re.findall(r"^pyspark==(\S+)\s*$", requirements, re.M)
    return props, artifacts, pyspark


def test_glue_version_is_a_known_line(root, modules):
    assert deployed_glue_version(root, modules) in GLUE_LINES


def test_local_spark_scala_and_iceberg_are_the_glue_versions_lines(root, modules):
    glue = deployed_glue_version(root, modules)
    line = GLUE_LINES[glue]
    props, artifacts, pyspark = local_pins()
    local = {
        "spark (pom spark.version)": minor(props["spark.version"]),
        "spark (pyspark in requirements.txt)": minor(pyspark),
        "scala (pom scala.binary.version)": props["scala.binary.version"],
        "iceberg (pom iceberg.version)": minor(props["iceberg.version"]),
    }
    wanted = {
        "spark (pom spark.version)": line["spark"], "spark (pyspark in requirements.txt)": line["spark"],
        "scala (pom scala.binary.version)": line["scala"], "iceberg (pom iceberg.version)": line["iceberg"],
    }
    assert local == wanted, f"Glue {glue} runs {line}; the local runtime pins {local}"
    # the jars are built for that Spark minor and Scala binary version
    assert f"iceberg-spark-runtime-{line['spark']}_{line['scala']}" in artifacts, artifacts
    assert f"spark-sql-kafka-0-10_{line['scala']}" in artifacts, artifacts


def test_pyspark_and_the_kafka_source_are_the_same_spark_release():
    props, _, pyspark = local_pins()
    assert pyspark == props["spark.version"], (
        f"pyspark {pyspark} and spark-sql-kafka {props['spark.version']} must be one Spark release")
