"""Shared tail of the entry scripts: run main, turn any failure into one line and an exit status."""
import json
import logging
import os
import re
import sys
import traceback


_EXCEPTION_LINE = re.compile(r"^([\w.]+\.)?(\w+(Error|Exception)): (.+)$")


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


def run(main, argv):
    """Exit 0 ok, 1 job failed, 2 usage. The summary (or the error) is one JSON line on stdout."""
    _quiet_pyspark_error_records()
    try:
        return main(argv)
    except SystemExit:
        raise
    except Exception as exc:  # the job boundary: report, do not dump a stack trace
        message = _one_line(exc)
        if os.environ.get("CDC_VERBOSE"):
            traceback.print_exc()
        print(f"error: {message}", file=sys.stderr, flush=True)
        print(json.dumps({"status": "failed", "error": message}), flush=True)
        return 1
