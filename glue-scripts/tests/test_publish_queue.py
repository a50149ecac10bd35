"""publish_queue.py against moto's S3 over HTTP: requests that arrive during a run wait and are covered by one
more run; a failed run fails exactly the requests it covered; a holder that died frees the queue by itself.

The publish itself is a stand-in here; emr/tests/test_publish_queue_spark.py runs four requests with local Spark."""

import json
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import List, Tuple

import pytest

import publish_queue
import submit_emr_step
from glue_test_support import client

BUCKET = "sfetl-queue-logs"


@pytest.fixture
def queue_prefix(moto_endpoint: str) -> str:
    s3 = client("s3", moto_endpoint)
    try:
        s3.create_bucket(Bucket=BUCKET)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    return f"_sfetl/publish-{uuid.uuid4().hex[:8]}/"


def make_queue(endpoint: str, prefix: str, name: str, **kwargs) -> publish_queue.PublishQueue:
    kwargs.setdefault("poll_seconds", 0.05)
    kwargs.setdefault("lease_seconds", 30)
    return publish_queue.PublishQueue(client("s3", endpoint), BUCKET, prefix, holder=name, **kwargs)


class Publisher:
    """A stand-in publish: records each run's batch, fails when told, and notices two runs at once."""

    def __init__(self, seconds: float = 0.6, fail_runs: Tuple[int, ...] = ()) -> None:
        self.seconds = seconds
        self.fail_runs = fail_runs
        self.batches: List[publish_queue.Batch] = []
        self.active = 0
        self.most_at_once = 0
        self.lock = threading.Lock()

    def __call__(self, batch: publish_queue.Batch) -> Tuple[bool, str]:
        with self.lock:
            self.active += 1
            self.most_at_once = max(self.most_at_once, self.active)
            self.batches.append(batch)
            number = len(self.batches)
        time.sleep(self.seconds)
        with self.lock:
            self.active -= 1
        return (False, f"run {number} failed") if number in self.fail_runs else (True, "")


def requests_at_once(endpoint, prefix, publisher, specs, stagger=0.0) -> List[publish_queue.Outcome]:
    """Each spec (name, mode, objects) is one request in its own thread with its own S3 client."""
    outcomes = [None] * len(specs)

    def one(index: int) -> None:
        name, mode, objects = specs[index]
        time.sleep(stagger * index)
        outcomes[index] = make_queue(endpoint, prefix, name).request(mode, objects, publisher)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(specs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_four_requests_at_once_succeed_with_at_most_two_runs_one_at_a_time(moto_endpoint, queue_prefix):
    publisher = Publisher()
    specs = [(f"wf-{env}", "incremental", []) for env in ("dev", "qa", "uat", "prod")]
    outcomes = requests_at_once(moto_endpoint, queue_prefix, publisher, specs)
    assert all(o.ok for o in outcomes)
    assert 1 <= len(publisher.batches) <= 2
    assert publisher.most_at_once == 1
    # Every ticket is covered by a run that started once it was taken, and the runs cover each ticket once.
    covered = sorted(t for b in publisher.batches for t in range(b.first + 1, b.last + 1))
    assert covered == [1, 2, 3, 4]
    assert sum(o.ran for o in outcomes) == len(publisher.batches)


def test_requests_during_a_run_are_covered_by_exactly_one_more_run(moto_endpoint, queue_prefix):
    publisher = Publisher(seconds=1.5)
    first = threading.Thread(
        target=lambda: make_queue(moto_endpoint, queue_prefix, "first").request("incremental", [], publisher)
    )
    first.start()
    time.sleep(0.5)  # the first run is under way
    specs = [(f"late-{i}", "incremental", []) for i in range(5)]
    outcomes = requests_at_once(moto_endpoint, queue_prefix, publisher, specs, stagger=0.1)
    first.join(30)
    assert all(o.ok for o in outcomes)
    assert [(b.first, b.last) for b in publisher.batches] == [(0, 1), (1, 6)]
    assert {(o.first, o.last) for o in outcomes} == {(1, 6)}


def test_a_coalesced_run_is_full_when_one_request_asks_for_full_and_names_the_union_of_objects(
    moto_endpoint, queue_prefix
):
    publisher = Publisher(seconds=1.0)
    first = threading.Thread(
        target=lambda: make_queue(moto_endpoint, queue_prefix, "first").request("incremental", [], publisher)
    )
    first.start()
    time.sleep(0.4)
    specs = [("a", "incremental", ["Contact"]), ("b", "full", ["Account"]), ("c", "incremental", ["Contact"])]
    requests_at_once(moto_endpoint, queue_prefix, publisher, specs, stagger=0.05)
    first.join(30)
    assert publisher.batches[1][2:] == ("full", ("Account", "Contact"))


def test_a_failed_run_fails_the_requests_it_covered_and_the_next_run_serves_later_ones(moto_endpoint, queue_prefix):
    publisher = Publisher(seconds=1.0, fail_runs=(1,))
    outcome = {}
    first = threading.Thread(
        target=lambda: outcome.update(
            first=make_queue(moto_endpoint, queue_prefix, "first").request("incremental", [], publisher)
        )
    )
    first.start()
    time.sleep(0.4)
    later = requests_at_once(moto_endpoint, queue_prefix, publisher, [("later", "incremental", [])])[0]
    first.join(30)
    assert (outcome["first"].ok, outcome["first"].message) == (False, "run 1 failed")
    assert later.ok and (later.first, later.last) == (1, 2)


def test_a_holder_that_died_frees_the_queue_when_its_lease_expires(moto_endpoint, queue_prefix):
    queue = make_queue(moto_endpoint, queue_prefix, "died")
    ticket, batch = queue.take_ticket("incremental", [])
    assert (ticket, batch.first, batch.last) == (1, 0, 1)
    state, etag = queue.read()
    state["running"]["expiresAt"] = publish_queue._iso(datetime.now(timezone.utc) - timedelta(seconds=1))
    assert queue.write(state, etag)

    publisher = Publisher(seconds=0.1)
    outcome = make_queue(moto_endpoint, queue_prefix, "next").request("incremental", [], publisher)
    assert outcome.ok and outcome.ran
    # The run that took over covers the dead holder's ticket too.
    assert [(b.first, b.last) for b in publisher.batches] == [(0, 2)]


def test_the_queue_object_is_json_in_the_state_prefix_and_keeps_the_results(moto_endpoint, queue_prefix):
    make_queue(moto_endpoint, queue_prefix, "one").request("full", ["Contact"], Publisher(seconds=0))
    body = client("s3", moto_endpoint).get_object(Bucket=BUCKET, Key=f"{queue_prefix}queue.json")["Body"].read()
    state = json.loads(body)
    assert (state["requested"], state["done"], state["running"], state["pending"]) == (1, 1, None, {})
    assert [(r["first"], r["last"], r["mode"], r["ok"], r["holder"]) for r in state["results"]] == [
        (0, 1, "full", True, "one")
    ]


def test_the_glue_entry_waits_for_the_running_publish_and_reports_the_run_that_covered_it(
    moto_endpoint, queue_prefix, capsys
):
    """submit_emr_step's request path (--queue-uri) with the EMR step replaced: a request during a run ends 0."""
    steps = []

    def run_step(mode=None, objects=None, covers=""):
        steps.append((mode, tuple(objects or ()), covers))
        time.sleep(0.8)
        return ""

    def args(run_id: str):
        return submit_emr_step.parse_args(
            [
                "--script-s3-uri", "s3://a/log_to_hive.py", "--logs", f"s3://{BUCKET}/", "--database", "sfetl",
                "--publish-mode", "incremental", "--queue-uri", f"s3://{BUCKET}/{queue_prefix}",
                "--queue-poll-seconds", "0.05", "--JOB_RUN_ID", run_id,
            ]
        )  # fmt: skip

    messages = {}
    threads = [
        threading.Thread(
            target=lambda r=r: messages.update({r: submit_emr_step.queued_request(args(r), client("s3", moto_endpoint), run_step)})
        )
        for r in ("jr_1", "jr_2", "jr_3", "jr_4")
    ]
    for i, thread in enumerate(threads):
        thread.start()
        time.sleep(0.1 if i == 0 else 0.02)
    for thread in threads:
        thread.join(30)
    assert messages == {"jr_1": "", "jr_2": "", "jr_3": "", "jr_4": ""}
    assert steps[0] == ("incremental", (), "tickets 1-1") and len(steps) == 2
    assert "published by jr_" in capsys.readouterr().out


def test_the_queue_module_is_python_3_9_and_imports_no_aws_sdk() -> None:
    import ast
    import subprocess
    import sys
    from pathlib import Path

    path = Path(publish_queue.__file__)
    ast.parse(path.read_text(), feature_version=(3, 9))
    check = "import sys, publish_queue; print(any(m.split('.')[0] in ('boto3', 'botocore') for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", check], cwd=path.parent, capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


def test_a_ticket_whose_outcome_is_no_longer_recorded_fails_instead_of_publishing_again(moto_endpoint, queue_prefix):
    queue = make_queue(moto_endpoint, queue_prefix, "old")
    ticket, _ = queue.take_ticket("incremental", [])
    state, etag = queue.read()
    state.update(running=None, done=5, requested=5, results=[])
    assert queue.write(state, etag)
    result, batch = queue.take_over(ticket)
    assert (result["ok"], batch) == (False, None)
    assert "no longer recorded" in result["message"]
