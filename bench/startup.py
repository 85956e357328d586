"""Where a local job's start-up goes: the Python interpreter, pyspark's import, the JVM and the
SparkSession with Iceberg's catalog (build_session, as every job builds it), and a first query.
Run under spark-submit exactly as `cdcctl job run` runs a job, cold or handed to a warm driver
(bench/lib/startup.ts does); prints one JSON line of seconds since the run was asked for (--t0, epoch
seconds). Under a warm driver the session is already there: build_session gets it back.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--storage-root", required=True)
parser.add_argument("--t0", type=float, required=True)
opts = parser.parse_args()
T0 = opts.t0
marks = {"python": time.time() - T0}
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "glue-jobs"))
import pyspark  # noqa: E402,F401
marks["pyspark_import"] = time.time() - T0
from cdc_lake.session import build_session, warehouse_for  # noqa: E402

extra = {"spark.jars": ""} if os.environ.get("CDC_BENCH_CLASSPATH_JARS") else None
spark = build_session("bench_startup", warehouse_for(opts.storage_root), "local", extra_conf=extra)
marks["session"] = time.time() - T0
spark.sql("SELECT 1").collect()
marks["first_query"] = time.time() - T0
spark.stop()
print(json.dumps({k: round(v, 2) for k, v in marks.items()}), flush=True)
