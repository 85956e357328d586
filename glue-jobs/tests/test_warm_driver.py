"""The warm driver's hand-over (runtime/spark/warm_driver.py): the files cdcctl's claim and retirement
use, without Spark (src/lib/local/warm-driver.ts writes the other side; tests/integration and
test/integration/jobs.test.ts run the whole driver)."""
import importlib.util
import json
import threading
import time
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location(
    "warm_driver", Path(__file__).resolve().parents[2] / "runtime" / "spark" / "warm_driver.py")
warm_driver = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(warm_driver)


def _write_claim(base, request):
    """As cdcctl writes it: whole, under another name, then renamed (the driver may look at any time)."""
    tmp = base.with_suffix(".claim.tmp")
    tmp.write_text(json.dumps(request))
    tmp.rename(base.with_suffix(".claim"))


def _claim(base, request):
    """What `cdcctl job run` does: rename .idle to .taken (only one run can), then write the claim."""
    base.with_suffix(".idle").rename(base.with_suffix(".taken"))
    _write_claim(base, request)


def test_a_claim_hands_over_the_request_and_leaves_no_hand_over_file(tmp_path):
    base = tmp_path / "warm-a"
    base.with_suffix(".idle").write_text("")
    _claim(base, {"script": "/x/job.py", "argv": ["--k", "v"]})
    assert warm_driver.wait_for_claim(base, 5) == {"script": "/x/job.py", "argv": ["--k", "v"]}
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_driver_whose_idle_file_cdcctl_removed_retires(tmp_path):
    base = tmp_path / "warm-b"
    assert warm_driver.wait_for_claim(base, 5) is None


def test_an_unclaimed_driver_retires_on_time_and_can_no_longer_be_claimed(tmp_path):
    base = tmp_path / "warm-c"
    base.with_suffix(".idle").write_text("")
    assert warm_driver.wait_for_claim(base, 0.05) is None
    assert list(tmp_path.iterdir()) == []  # a claim now fails at its rename, and the run starts cold


def test_a_claim_at_the_moment_of_retirement_still_gets_the_driver(tmp_path):
    base = tmp_path / "warm-d"
    base.with_suffix(".idle").write_text("")
    # the claim's rename has happened when the time runs out; its request is written a little later
    base.with_suffix(".idle").rename(base.with_suffix(".taken"))
    late = threading.Timer(0.2, _write_claim, [base, {"script": "s", "argv": []}])
    late.start()
    started = time.monotonic()
    assert warm_driver.wait_for_claim(base, 0.0) == {"script": "s", "argv": []}
    assert time.monotonic() - started >= 0.15
