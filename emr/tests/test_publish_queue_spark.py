"""Four publish requests at once on the embedded default: ``sfetl stack``'s moto holds the logs and the publish
queue, local Spark publishes. Every request goes through the Glue entry's request path (submit_emr_step.py with
``--queue-uri``), its EMR step replaced by emr/log_to_hive.py on the local session."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Dict, List

import boto3

import log_to_hive
import log_trees

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "glue-scripts"))
import submit_emr_step  # noqa: E402  (a Glue entry point, next to its queue module)

ENVS = ("dev", "qa", "uat", "prod")
OBJECTS = {"contact": "Contact", "account": "Account"}


def _s3(endpoint: str):
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def _write_run(root: Path, env: str, index: int) -> None:
    """One workflow's load: a run of Contact (with failures) and of Account in ``env``."""
    run_id, created = f"night-{env}", f"2026120602{index:02d}00"
    first = index * 100
    ids = [f"C-{i}" for i in range(first, first + 40)]
    log_trees.write_log(root, "success", "Contact", run_id, env, created, {
        "Ext_Id__c": ids, "LastName": [f"Last {i}" for i in range(40)], "sf__Id": [f"003{i:012d}" for i in range(40)],
        "sf__Created": ["true"] * 40, "sf__JobId": ["750000000000001"] * 40,
    })  # fmt: skip
    log_trees.write_log(root, "failure", "Contact", run_id, env, created, {
        "Ext_Id__c": ["C-bad"], "LastName": [""], "sf__Id": [""], "sf__Error": ["REQUIRED_FIELD_MISSING:LastName:--"],
        "sf__JobId": ["750000000000001"],
    })  # fmt: skip
    log_trees.write_log(root, "success", "Account", run_id, env, created, {
        "Name": [f"Acme {env} {i}" for i in range(5)], "sf__Id": [f"001{i:012d}" for i in range(5)],
        "sf__Created": ["true"] * 5, "sf__JobId": ["750000000000002"] * 5,
    })  # fmt: skip


def _upload(s3, bucket: str, root: Path, prefix: str, env: str) -> None:
    for path in sorted(root.rglob("*.parquet")):
        relative = path.relative_to(root).as_posix()
        if f"/env={env}/" in relative:
            s3.upload_file(str(path), bucket, f"{prefix}{relative}")


def test_four_publish_requests_at_once_all_succeed_in_one_or_two_runs_and_the_tables_equal_the_logs(
    stack: Dict, spark_starting, tmp_path: Path
):
    spark = spark_starting.result()
    endpoint, bucket = stack["aws"]["endpoint"], stack["buckets"]["logs"]
    prefix = "queue-test/"
    logs = tmp_path / "logs"
    for index, env in enumerate(ENVS):
        _write_run(logs, env, index)

    runs: List[str] = []
    active = {"now": 0, "most": 0}
    lock = threading.Lock()

    def local_step(mode=None, objects=None, covers=""):
        """The EMR step, here: the same job on the local session (one Spark run per call)."""
        with lock:
            active["now"] += 1
            active["most"] = max(active["most"], active["now"])
            runs.append(f"{mode} {covers}")
        try:
            log_to_hive.publish(spark, f"s3a://{bucket}/{prefix}", "queued", mode or "incremental", objects or None)
            return ""
        except log_to_hive.PublishError as error:
            return str(error)
        finally:
            with lock:
                active["now"] -= 1

    def request(env: str, job_run_id: str, out: Dict[str, str]) -> None:
        s3 = _s3(endpoint)
        _upload(s3, bucket, logs, prefix, env)  # the workflow's load ends: its logs are there, then it publishes
        args = submit_emr_step.parse_args([
            "--script-s3-uri", "s3://unused/log_to_hive.py", "--logs", f"s3://{bucket}/{prefix}",
            "--database", "queued", "--publish-mode", "incremental",
            "--queue-uri", f"s3://{bucket}/_sfetl/publish/", "--queue-poll-seconds", "0.2", "--JOB_RUN_ID", job_run_id,
        ])  # fmt: skip
        out[env] = submit_emr_step.queued_request(args, s3, local_step)

    messages: Dict[str, str] = {}
    threads = [threading.Thread(target=request, args=(env, f"jr_{env}", messages)) for env in ENVS]
    for thread in threads:
        thread.start()
        time.sleep(0.05)  # near-simultaneous: four nightly workflows ending together
    for thread in threads:
        thread.join(300)

    assert messages == {env: "" for env in ENVS}  # "" is a succeeded request
    assert 1 <= len(runs) <= 2, runs
    assert active["most"] == 1
    for table, obj in OBJECTS.items():
        columns, rows = log_trees.table_rows(spark, f"queued.{table}")
        assert rows == log_trees.expected_rows(logs, obj, columns), table
        assert {env for env, _, _ in log_trees.counts(logs, obj)} == set(ENVS)
