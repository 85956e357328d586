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
