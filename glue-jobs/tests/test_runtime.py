"""The local session behaves as Glue 6.0's does where the jobs depend on it, and the job code stays valid
for Glue's Python (3.13) while the tests run it on this machine's 3.11."""
import ast
from pathlib import Path

GLUE_JOBS = Path(__file__).resolve().parents[1]
# Removed from the standard library by Python 3.12 (distutils, imp, asynchat, asyncore, smtpd) and
# 3.13 (PEP 594, lib2to3): importing one fails on Glue 6.0 and not here.
REMOVED_BY_313 = {
    "distutils", "imp", "asynchat", "asyncore", "smtpd", "aifc", "audioop", "cgi", "cgitb", "chunk",
    "crypt", "imghdr", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd",
    "sunau", "telnetlib", "uu", "xdrlib", "lib2to3",
}


def test_the_session_runs_in_ansi_mode_like_glue_6(spark):
    # Spark 4's default, so the suite exercises the casts and arithmetic as Glue runs them
    assert spark.conf.get("spark.sql.ansi.enabled") == "true"


def test_job_code_imports_nothing_python_3_13_removed():
    found = []
    for path in sorted(GLUE_JOBS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level
                     else [])
            found += [f"{path.relative_to(GLUE_JOBS)}:{node.lineno} {n}" for n in names
                      if n.split(".")[0] in REMOVED_BY_313]
    assert not found, found


# --------------------------------------------------------------------------------------------- aws path

REPO = GLUE_JOBS.parent
POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def _pom_properties():
    import xml.etree.ElementTree as ET

    pom = ET.parse(REPO / "runtime" / "spark" / "pom.xml").getroot()
    return {el.tag.split("}")[1]: el.text.strip() for el in pom.find("m:properties", POM_NS)}


def test_s3a_is_the_hadoop_release_pyspark_ships():
    # hadoop-aws calls into hadoop-common's internals: any other release fails at the first s3:// path
    import pyspark

    jars = Path(pyspark.__file__).parent / "jars"
    (api,) = jars.glob("hadoop-client-api-*.jar")
    assert api.name == f"hadoop-client-api-{_pom_properties()['hadoop.version']}.jar"


def test_s3_transfer_manager_is_the_sdk_release_inside_iceberg_aws_bundle():
    # S3A takes the SDK's classes from iceberg-aws-bundle, and the one module it lacks must match them
    import re
    import zipfile

    props = _pom_properties()
    lib = REPO / "runtime" / "spark" / "lib"
    with zipfile.ZipFile(lib / f"iceberg-aws-bundle-{props['iceberg.version']}.jar") as jar:
        sdk = re.search(r'SDK_VERSION = "([^"]+)"', jar.read("VersionInfo.java").decode()).group(1)
    assert props["aws-sdk.version"] == sdk
    assert (lib / f"s3-transfer-manager-{sdk}.jar").is_file()


def test_endpoint_conf_points_every_aws_client_of_the_glue_catalog_at_the_endpoint():
    from cdc_lake.session import endpoint_conf

    assert endpoint_conf("spark.sql.catalog.lake", {}) == {}  # on Glue: nothing changes
    conf = endpoint_conf("spark.sql.catalog.lake", {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
                                                     "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:5001"})
    assert conf == {
        "spark.sql.catalog.lake.glue.endpoint": "http://127.0.0.1:5000",
        "spark.sql.catalog.lake.s3.endpoint": "http://127.0.0.1:5001",
        "spark.sql.catalog.lake.s3.path-style-access": "true",
        "spark.hadoop.fs.s3a.endpoint": "http://127.0.0.1:5001",
        "spark.hadoop.fs.s3a.path.style.access": "true",
    }
