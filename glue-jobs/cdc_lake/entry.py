"""Shared tail of the entry scripts: run main, turn any failure into one line and an exit status."""
import json
import os
import sys
import traceback


def _one_line(exc):
    java = getattr(exc, "java_exception", None)
    text = java.toString() if java is not None else f"{type(exc).__name__}: {exc}"
    return " ".join(text.strip().splitlines()[:1])


def run(main, argv):
    """Exit 0 ok, 1 job failed, 2 usage. The summary (or the error) is one JSON line on stdout."""
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
