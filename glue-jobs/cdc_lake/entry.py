"""Shared frame of the entry scripts: parse the catalog's arguments, run main, and record how it went.

Every run ends with one summary, written to {root}/jobs/<run id>.json (where both of the CLI's job
runners read it, locally and on Glue) and printed as one JSON line. Exit 0 ok, 1 job failed, 2 usage.
"""
import datetime
import json
import logging
import os
import re
import sys
import traceback
import uuid

from . import args as job_args
from . import catalog
from .storage import write_object

_EXCEPTION_LINE = re.compile(r"^([\w.]+\.)?(\w+(Error|Exception)): (.+)$")


class UsageError(Exception):
    """A run that cannot start as asked (bad rules, a missing input table): exit 2, with a code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _one_line(exc):
    text = f"{type(exc).__name__}: {exc}"
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    # an error raised inside foreachBatch arrives wrapped; the innermost "XError: message" says most
    causes = [m for m in map(_EXCEPTION_LINE.match, lines) if m]
    if len(causes) > 1:
        return f"{causes[-1].group(2)}: {causes[-1].group(4)}"
    return lines[0] if lines else type(exc).__name__


def _quiet_pyspark_error_records():
    """PySpark 4 logs each SQL error it raises as a JSON record carrying the JVM stack on stderr; the
    job reports the error once, as one line (and the stack under CDC_VERBOSE)."""
    if os.environ.get("CDC_VERBOSE"):
        return
    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def run(script, main, argv):
    """Run `main(opts)` as the catalog job whose script is `script` (the entry's __file__); main returns
    its summary dict ({"status": ...})."""
    _quiet_pyspark_error_records()
    job = catalog.job_for_script(script)
    opts = job_args.parse(argv, job)
    opts["job_run_id"] = opts.get("job_run_id") or f"local-{uuid.uuid4().hex[:12]}"
    head = {"job": job, "job_run_id": opts["job_run_id"], "started_at": _now()}
    status = 0
    try:
        result = main(opts)
        status = 0 if result.get("status") == "succeeded" else 1
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        result, status = {"status": "failed", "code": exc.code, "error": str(exc)}, 2
    except Exception as exc:  # the job boundary: report, do not dump a stack trace
        message = _one_line(exc)
        if os.environ.get("CDC_VERBOSE"):
            traceback.print_exc()
        print(f"error: {message}", file=sys.stderr, flush=True)
        result, status = {"status": "failed", "error": message}, 1
    summary = {**head, **result, "finished_at": _now()}
    try:
        write_object(opts["storage_root"], f"jobs/{opts['job_run_id']}.json", json.dumps(summary, default=str))
    except Exception as exc:  # the summary is the run's record: a run that cannot write it failed
        print(f"error: cannot write the run summary under {opts['storage_root']}: {_one_line(exc)}",
              file=sys.stderr, flush=True)
        summary = {**summary, "status": "failed", "error": f"summary not written: {_one_line(exc)}"}
        status = status or 1
    print(json.dumps(summary, default=str), flush=True)
    return status
