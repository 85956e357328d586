"""SparkSession for a target: local (Iceberg Hadoop catalog) or glue (Glue Data Catalog).

Both expose the Iceberg catalog as `lake`, with tables under the pipeline catalog's namespace
(`lake.<namespace>.<table>`; on AWS the namespace is the Glue database).
"""
import os
from pathlib import Path

from . import catalog

CATALOG = "lake"
NAMESPACE = catalog.namespace()
ICEBERG_EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
_DEFAULT_JARS_DIR = Path(__file__).resolve().parents[2] / "runtime" / "spark" / "lib"


def table_name(table):
    return f"{CATALOG}.{NAMESPACE}.{table}"


def table_properties(spark, name):
    """The Iceberg table's properties (format-version, sort-order, write.*), as a dict."""
    return {r.key: r.value for r in spark.sql(f"SHOW TBLPROPERTIES {name}").collect()}


def warehouse_for(storage_root):
    """`{root}/iceberg` for a storage root given as file:///abs/dir, /abs/dir or s3://bucket[/prefix]."""
    root = storage_root.rstrip("/")
    if "://" not in root:
        root = Path(root).resolve().as_uri()
    return f"{root}/iceberg"


def local_jars():
    """Jars for local Spark: CDC_SPARK_JARS (comma list) or every jar in runtime/spark/lib."""
    env = os.environ.get("CDC_SPARK_JARS")
    if env:
        return [j for j in env.split(",") if j]
    if not _DEFAULT_JARS_DIR.is_dir():
        raise RuntimeError(
            f"Spark jars not found in {_DEFAULT_JARS_DIR}. Run: cd runtime/spark && mvn -q -B "
            "dependency:copy-dependencies -DoutputDirectory=lib -DincludeScope=runtime, or set CDC_SPARK_JARS"
        )
    return sorted(str(p) for p in _DEFAULT_JARS_DIR.glob("*.jar"))


def endpoint_conf(prefix=f"spark.sql.catalog.{CATALOG}", env=None):
    """Spark settings that send the glue catalog's AWS calls to the endpoint AWS_ENDPOINT_URL names (an
    AWS API emulator), as the AWS SDKs and CLIs read it: Iceberg's Glue and S3 clients and Hadoop's S3A
    (s3:// checkpoints and DLQ files). Empty when it is unset, as on Glue: there only the endpoints differ.
    Credentials and region come from the SDKs' default chains (AWS_ACCESS_KEY_ID, AWS_REGION) either way.
    """
    env = os.environ if env is None else env
    endpoint = env.get("AWS_ENDPOINT_URL", "")
    if not endpoint:
        return {}
    glue = env.get("AWS_ENDPOINT_URL_GLUE") or endpoint
    s3 = env.get("AWS_ENDPOINT_URL_S3") or endpoint
    return {
        f"{prefix}.glue.endpoint": glue,
        f"{prefix}.s3.endpoint": s3,
        # an endpoint given by address (moto on http://127.0.0.1:port) serves buckets on its path, not
        # as <bucket>.<host> names: path-style requests, for both S3 clients
        f"{prefix}.s3.path-style-access": "true",
        "spark.hadoop.fs.s3a.endpoint": s3,
        "spark.hadoop.fs.s3a.path.style.access": "true",
    }


def build_session(app_name, warehouse, catalog="local", extra_conf=None, log_level="WARN"):
    from pyspark.sql import SparkSession

    prefix = f"spark.sql.catalog.{CATALOG}"
    builder = (
        SparkSession.builder.appName(app_name)
        .config("spark.sql.extensions", ICEBERG_EXTENSIONS)
        .config(prefix, "org.apache.iceberg.spark.SparkCatalog")
        .config(f"{prefix}.warehouse", warehouse)
        .config("spark.sql.session.timeZone", "UTC")
    )
    if catalog == "local":
        builder = (
            builder.master(os.environ.get("CDC_SPARK_MASTER", "local[2]"))
            .config("spark.jars", ",".join(local_jars()))
            .config(f"{prefix}.type", "hadoop")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.default.parallelism", "4")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
            # One machine: keep Spark's driver and block manager on loopback instead of the address
            # the hostname resolves to.
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
        )
    elif catalog == "glue":
        # On Glue the Iceberg jars come from `--datalake-formats iceberg` (1.11.0 on Glue 6.0).
        builder = (
            builder.config(f"{prefix}.catalog-impl", "org.apache.iceberg.aws.glue.GlueCatalog")
            .config(f"{prefix}.io-impl", "org.apache.iceberg.aws.s3.S3FileIO")
        )
        for key, value in endpoint_conf(prefix).items():
            builder = builder.config(key, value)
    else:
        raise ValueError(f"unknown catalog {catalog!r}: expected local or glue")
    for key, value in (extra_conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(log_level)
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {CATALOG}.{NAMESPACE}")
    return spark
