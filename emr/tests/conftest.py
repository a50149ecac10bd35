"""Fixtures for the PySpark job's tests: logs written by the real runner, and local Spark with a Hive metastore.

Once per session: ``sfetl stack`` (moto + the four-org emulator) runs as its own process; ``sfetl load`` runs
12 times (3 runs × 4 envs, each loading Account, Contact and Invoice__c, plus Lead once) and writes its
Parquet logs to moto's log bucket; the log tree is also copied to a local directory. Spark runs on
``local[1]`` with a Derby metastore in a temporary directory and reads ``s3a://`` from that moto.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List

import boto3
import pytest

EMR_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = EMR_DIR.parent
# The job is one file that spark-submit runs as it is; tests import it from there.
sys.path.insert(0, str(EMR_DIR))

import runner_sources  # noqa: E402  (next to this file)
from sfetl_processes import running_stack, sfetl_command  # test/python/support, on pytest's pythonpath

JARS_DIR = REPO_ROOT / ".sfetl" / "jars"
JARS = ("hadoop-aws-3.3.4.jar", "aws-java-sdk-bundle-1.12.262.jar")
LOAD_TIMEOUT_SECONDS = 180


@dataclass(frozen=True)
class RunnerLogs:
    """Where the runner's logs are: in moto (``s3a_root``) and copied to ``local_root``."""

    endpoint: str
    s3a_root: str
    local_root: Path
    stack: Dict


def _load(config_path: Path, env: str, run_id: str) -> None:
    command = sfetl_command("load", "--config", str(config_path), "--env", env, "--run-id", run_id)
    command += ["--output", "json"] + (["--confirm-env", env] if env == "prod" else [])
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run(
        command, cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=LOAD_TIMEOUT_SECONDS
    )
    if done.returncode != 0:
        raise RuntimeError(f"sfetl load --env {env} --run-id {run_id} exited {done.returncode}: {done.stderr}")


def _s3(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _download_tree(s3, bucket: str, prefixes: List[str], target: Path) -> None:
    for prefix in prefixes:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                path = target / item["Key"]
                path.parent.mkdir(parents=True, exist_ok=True)
                s3.download_file(bucket, item["Key"], str(path))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict]:
    """``sfetl stack`` for the whole session: what it printed (orgs, moto's endpoint, buckets)."""
    with running_stack(tmp_path_factory.mktemp("stack")) as description:
        yield description


@pytest.fixture(scope="session")
def spark_jars() -> List[str]:
    """hadoop-aws and its SDK bundle, fetched by the project's set-up script (a no-op once they are there)."""
    subprocess.run(["bash", str(REPO_ROOT / "build-tools" / "setup-spark-jars.sh")], cwd=REPO_ROOT, check=True)
    return [str(JARS_DIR / jar) for jar in JARS]


@pytest.fixture(scope="session")
def spark_starting(stack: Dict, spark_jars: List[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Future]:
    """Starts local Spark and its metastore in the background (about 20 s) while the runner writes logs.

    One core, Hive support with a Derby metastore in a temporary directory, s3a to the stack's moto.
    """
    from pyspark.sql import SparkSession

    import log_to_hive

    settings = log_to_hive.spark_settings(
        local_hive_dir=str(tmp_path_factory.mktemp("hive")), s3_endpoint=stack["aws"]["endpoint"], jars=spark_jars
    )
    settings.update(
        {
            "spark.sql.shuffle.partitions": "1",
            "spark.default.parallelism": "1",
            "spark.driver.memory": "768m",
            "spark.sql.adaptive.enabled": "false",
        }
    )

    def start():
        builder = SparkSession.builder.master("local[1]").appName("emr-tests")
        for key, value in settings.items():
            builder = builder.config(key, value)
        session = builder.enableHiveSupport().getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        session.sql("SHOW DATABASES").collect()  # creates the metastore
        return session

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(start)
        try:
            yield future
        finally:
            if future.exception() is None:
                future.result().stop()


@pytest.fixture(scope="session")
def runner_logs(
    stack: Dict, spark_starting: Future, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunnerLogs]:
    """3 runs × 4 envs of the real runner against the stack, in moto and copied to a local directory.

    Takes ``spark_starting`` only so that Spark is already booting while the runner works.
    """
    work = tmp_path_factory.mktemp("runner")
    s3 = _s3(stack["aws"]["endpoint"])
    source_bucket = stack["buckets"]["source"]
    for run_index, run_id in enumerate(runner_sources.RUNS, start=1):
        loads = []
        for env_index, env in enumerate(runner_sources.ENVS):
            files = runner_sources.sources(run_index, env_index)
            prefix = f"{run_id}/{env}/"
            for name, text in files.items():
                s3.put_object(Bucket=source_bucket, Key=f"{prefix}{name}/data.csv", Body=text.encode("utf-8"))
            config_path = work / f"{run_id}-{env}.json"
            config_path.write_text(json.dumps(runner_sources.config(stack, prefix, list(files))))
            loads.append((config_path, env, run_id))
        # The four envs are four orgs with their own locks: a run loads them side by side.
        with ThreadPoolExecutor(max_workers=len(loads)) as pool:
            list(pool.map(lambda args: _load(*args), loads))
    local_root = work / "logs"
    _download_tree(s3, stack["buckets"]["logs"], ["success/", "failure/"], local_root)
    yield RunnerLogs(
        endpoint=stack["aws"]["endpoint"],
        s3a_root=f"s3a://{stack['buckets']['logs']}",
        local_root=local_root,
        stack=stack,
    )


@pytest.fixture(scope="session")
def spark(spark_starting: Future, runner_logs: RunnerLogs):
    """The local Spark session; asking for it also asks for the runner's logs, written while Spark started."""
    return spark_starting.result()
