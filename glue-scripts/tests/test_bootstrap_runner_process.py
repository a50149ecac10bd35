"""bootstrap.py and the runner's process, with a stand-in runner (the bundle's bin/node runs runner.js as Python, so
each test writes how the runner behaves). bootstrap runs as its own process, as Glue runs it: the runner's lines
pass through while the runner still runs, SIGTERM reaches the runner, and a runner that does not stop is killed
after ``--term-grace-seconds``. Timings are asserted as lower bounds only (a loaded machine is slower, never faster)."""

import signal
import time
from pathlib import Path
from typing import Callable, Dict, List

import pytest

from glue_test_support import BootstrapProcess, client, write_stand_in_bundle

BUCKET = "sfetl-stand-in-runners"

WAITS_FOR_A_FILE = """
import json, os, sys, time
print(json.dumps({"event": "first"}), flush=True)
deadline = time.monotonic() + 30
while not os.path.exists(GO) and time.monotonic() < deadline:
    time.sleep(0.05)
print(json.dumps({"event": "second", "released": os.path.exists(GO)}), flush=True)
sys.exit(0 if os.path.exists(GO) else 7)
"""

IGNORES_SIGTERM = """
import json, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print(json.dumps({"event": "ready"}), flush=True)
time.sleep(60)
"""

SAVES_ITS_STATE_ON_SIGTERM = """
import json, signal, sys, time
def stop(signum, frame):
    time.sleep(1)  # finishing its step and saving its state
    print("run stopped: received SIGTERM; the run's state is saved", file=sys.stderr, flush=True)
    sys.exit(1)
signal.signal(signal.SIGTERM, stop)
print(json.dumps({"event": "ready"}), flush=True)
time.sleep(60)
"""


@pytest.fixture(scope="module")
def s3(moto_endpoint: str):
    s3 = client("s3", moto_endpoint)
    s3.create_bucket(Bucket=BUCKET)
    return s3


@pytest.fixture
def job(s3, moto_endpoint: str, run_bootstrap, tmp_path: Path) -> Callable[..., BootstrapProcess]:
    """Starts bootstrap.py on a stand-in bundle (in moto's S3) whose runner is ``runner_py``."""

    def start(runner_py: str, *extra: str, on_event: Callable[[Dict, BootstrapProcess], None]) -> BootstrapProcess:
        zip_path = tmp_path / "runner-bundle.zip"
        sha256 = write_stand_in_bundle(zip_path, runner_py)
        key = f"{tmp_path.name}/runner-bundle.zip"
        s3.upload_file(str(zip_path), BUCKET, key)
        args = ["--JOB_ID", "j_load", "--JOB_RUN_ID", "jr_stand_in", "--env", "qa", "--launch-mode", "direct"]
        args += ["--bundle-s3-uri", f"s3://{BUCKET}/{key}", "--bundle-sha256", sha256]
        args += ["--cache-dir", str(tmp_path / "cache"), *extra]
        return run_bootstrap(args, moto_endpoint, on_event)

    return start


def last_error_line(job: BootstrapProcess) -> str:
    return "".join(job.stderr).rstrip().splitlines()[-1]


def test_a_runner_line_reaches_the_jobs_output_while_the_runner_still_runs(job, tmp_path: Path) -> None:
    go = tmp_path / "go"

    def release_the_runner(event: Dict, _job: BootstrapProcess) -> None:
        # The runner waits for this file: it is still running when its first line arrives. Were its output held
        # until it exits, the file would come too late and the runner would exit 7.
        if event["event"] == "first":
            go.touch()

    running = job(f"GO = {str(go)!r}\n{WAITS_FOR_A_FILE}", on_event=release_the_runner)
    assert running.wait() == 0, running.output()
    assert running.events() == [{"event": "first"}, {"event": "second", "released": True}]


def test_a_runner_that_ignores_sigterm_is_killed_after_the_grace_period(job) -> None:
    signalled: List[float] = []

    def stop_the_job(event: Dict, running: BootstrapProcess) -> None:
        if event["event"] == "ready":
            signalled.append(time.monotonic())
            running.process.send_signal(signal.SIGTERM)  # to bootstrap only, as Glue stops the job

    running = job(IGNORES_SIGTERM, "--term-grace-seconds", "2", on_event=stop_the_job)
    code = running.wait(timeout=60)
    ended = time.monotonic()
    assert code == 1, running.output()
    assert ended - signalled[0] >= 2
    assert last_error_line(running).startswith("bootstrap: the runner was killed by SIGKILL")


def test_a_runner_that_stops_within_the_grace_period_is_not_killed(job) -> None:
    signalled: List[float] = []

    def stop_the_job(event: Dict, running: BootstrapProcess) -> None:
        if event["event"] == "ready":
            signalled.append(time.monotonic())
            running.process.send_signal(signal.SIGTERM)

    running = job(SAVES_ITS_STATE_ON_SIGTERM, "--term-grace-seconds", "30", on_event=stop_the_job)
    code = running.wait(timeout=60)
    ended = time.monotonic()
    assert code == 1, running.output()
    assert ended - signalled[0] >= 1  # bootstrap waited for the runner to save its state
    errors = "".join(running.stderr)
    assert "run stopped: received SIGTERM; the run's state is saved" in errors and "SIGKILL" not in errors
    assert last_error_line(running).startswith("bootstrap: sfetl load stopped on SIGTERM with its state saved")
