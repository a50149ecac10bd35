"""Helpers for the Glue entry points' tests (fixtures are in conftest.py): paths, clients, source files and
configurations, and bootstrap.py run as Glue runs it. The ``sfetl stack`` process is test/python/support's."""

import csv
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence

import boto3

# test/python/support, on pytest's pythonpath: the embedded default as child processes, shared by the test trees.
from sfetl_processes import REPO_ROOT, drain, runner_config

GLUE_SCRIPTS = Path(__file__).resolve().parents[1]
# The entry points and the module they share (Glue ships it with --extra-py-files); tests import them from there.
sys.path.insert(0, str(GLUE_SCRIPTS))

BUILD_SCRIPT = REPO_ROOT / "build-tools" / "build-runner-bundle.ts"
BUNDLE_ZIP = REPO_ROOT / "dist" / "runner-bundle.zip"
REGION = "us-east-1"
ARTIFACT_BUCKET = "sfetl-artifacts"
BUNDLE_KEY = "runner/runner-bundle.zip"
RUN_TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Bundle:
    path: Path
    sha256: str
    manifest: Dict


def client(service: str, endpoint: str):
    return boto3.client(
        service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def contacts_csv(rows: int, prefix: str, bad_every: int = 0) -> str:
    """Contacts with unique external ids; every ``bad_every``-th row has an invalid email (fails in the org)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Ext_Id__c", "FirstName", "LastName", "Email"])
    for i in range(rows):
        email = f"person{i}.example.com" if bad_every and i % bad_every == 0 else f"person{i}@example.com"
        writer.writerow([f"{prefix}{i:06d}", f"First {i}", f"Last {i}", email])
    return out.getvalue()


def load_config(stack: Dict, source: str, limits: Optional[Dict] = None) -> Dict:
    """A runner configuration loading one Contact source into any of the stack's four orgs."""
    return runner_config(stack, [{"name": "Contact", "source": source, "operation": "insert", "loadOrder": 1}], limits)


def put_load(stack: Dict, name: str, rows: int, bad_every: int = 0, limits: Optional[Dict] = None) -> str:
    """Uploads a Contact source and its configuration to the stack's S3; the configuration's s3:// URI."""
    s3 = client("s3", stack["aws"]["endpoint"])
    source_bucket = stack["buckets"]["source"]
    s3.put_object(
        Bucket=source_bucket, Key=f"glue/{name}/contacts.csv", Body=contacts_csv(rows, f"{name}-", bad_every).encode()
    )
    config = load_config(stack, f"s3://{source_bucket}/glue/{name}/", limits)
    s3.put_object(Bucket=ARTIFACT_BUCKET, Key=f"config/{name}.json", Body=json.dumps(config).encode())
    return f"s3://{ARTIFACT_BUCKET}/config/{name}.json"


def glue_environment(endpoint: str, extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """What the job's process sees: an AWS endpoint (moto) and credentials, nothing else of the caller's AWS. Nor
    the caller's PYTHONUNBUFFERED: Glue does not set it, so bootstrap's output must reach the log by its own flushes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PYTHONUNBUFFERED"}
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }
    )
    env.update(extra or {})
    return env


def closed_port_endpoint() -> str:
    """An http endpoint on this host where nothing listens (connection refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def write_bundle(
    path: Path, files: Mapping[str, bytes], executables: Sequence[str] = (), listed: Optional[Mapping[str, bytes]] = None
) -> str:
    """A runner bundle zip laid out as build-runner-bundle.ts writes it: manifest.json, then the files with their
    Unix modes (0755 for ``executables``). The manifest lists ``listed`` (default: ``files``) with their sha256, so
    a test can make the two disagree. Returns the zip's sha256."""
    listed = files if listed is None else listed
    manifest = {
        "name": "sfetl-runner",
        "gitCommit": "0" * 40,
        "node": {"version": "0.0.0-test"},
        "files": [
            {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in sorted(listed.items())
        ],
    }

    def entry(name: str, mode: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        info.external_attr = (0o100000 | mode) << 16
        return info

    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr(entry("manifest.json", 0o644), json.dumps(manifest))
        for name, data in sorted(files.items()):
            bundle.writestr(entry(name, 0o755 if name in executables else 0o644), data)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_stand_in_bundle(path: Path, runner_py: str) -> str:
    """A bundle whose bin/node runs runner.js as Python, so that a test writes the runner's behaviour in Python:
    bootstrap starts ``bin/node --enable-source-maps runner.js load …`` (launch mode direct) as for the real one."""
    node = f"#!{sys.executable}\nimport runpy, sys\nrunpy.run_path(sys.argv[2], run_name='__main__')\n"
    return write_bundle(path, {"bin/node": node.encode(), "runner.js": runner_py.encode()}, executables=["bin/node"])


class BootstrapProcess:
    """``python bootstrap.py <args>`` as Glue starts it; stdout lines kept, JSON events parsed."""

    def __init__(
        self,
        args: Sequence[str],
        endpoint: str,
        on_event: Callable[[Dict, "BootstrapProcess"], None],
        env: Optional[Mapping[str, str]] = None,
    ) -> None:
        self.on_event = on_event
        self.stdout: List[str] = []
        self.stderr: List[str] = []
        self.process = subprocess.Popen(
            [sys.executable, str(GLUE_SCRIPTS / "bootstrap.py"), *args],
            cwd=REPO_ROOT,
            env=glue_environment(endpoint, env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._threads = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=drain, args=(self.process.stderr, self.stderr.append), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.stdout.append(line)
            if line.startswith("{"):
                self.on_event(json.loads(line), self)

    def events(self) -> List[Dict]:
        return [json.loads(line) for line in self.stdout if line.startswith("{")]

    def wait(self, timeout: float = RUN_TIMEOUT_SECONDS) -> int:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        for thread in self._threads:
            thread.join(timeout=10)
        return code

    def output(self) -> str:
        return "".join(self.stdout) + "".join(line for line in self.stderr if line)
