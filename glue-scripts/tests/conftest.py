"""Fixtures for the Glue entry points' tests: the real runner bundle, moto's server, and the embedded default.

- ``runner_bundle``: ``dist/runner-bundle.zip`` as the projen task ``bundle:runner`` builds it; the build
  script runs once per session and returns at once when the bundle is up to date with src/.
- ``moto_endpoint``: moto's server over HTTP (``ThreadedMotoServer``) for S3, Glue workflows and EMR.
- ``stack``: ``sfetl stack`` (moto + the four-org emulator) as its own process, for loads end to end.
- ``run_bootstrap`` runs ``glue-scripts/bootstrap.py`` as Glue would: its own Python process, arguments on the
  command line, AWS endpoint and test credentials in the environment.
"""

import json
import subprocess
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence

import pytest

# Importing the helpers also puts glue-scripts/ on sys.path, where the entry points are imported from.
from glue_test_support import (  # (next to this file)
    ARTIFACT_BUCKET,
    BUILD_SCRIPT,
    BUNDLE_KEY,
    BUNDLE_ZIP,
    REPO_ROOT,
    BootstrapProcess,
    Bundle,
    client,
)
from sfetl_processes import require_node, running_stack  # test/python/support, on pytest's pythonpath


@pytest.fixture(scope="session")
def runner_bundle() -> Bundle:
    """The bundle the build task makes (built now when missing or older than src/)."""
    done = subprocess.run(
        [str(require_node()), "--import", "tsx", str(BUILD_SCRIPT)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the runner bundle build failed: {done.stdout}{done.stderr}")
    sha = Path(f"{BUNDLE_ZIP}.sha256").read_text().split()[0]
    manifest = json.loads((REPO_ROOT / "dist" / "runner" / "manifest.json").read_text())
    return Bundle(BUNDLE_ZIP, sha, manifest)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict]:
    """``sfetl stack`` for the whole session: what it printed (orgs, moto's endpoint, buckets)."""
    with running_stack(tmp_path_factory.mktemp("stack")) as description:
        yield description


@pytest.fixture(scope="session")
def stack_bundle(stack: Dict, runner_bundle: Bundle) -> str:
    """The bundle uploaded to the stack's S3; its s3:// URI."""
    s3 = client("s3", stack["aws"]["endpoint"])
    s3.create_bucket(Bucket=ARTIFACT_BUCKET)
    s3.upload_file(str(runner_bundle.path), ARTIFACT_BUCKET, BUNDLE_KEY)
    return f"s3://{ARTIFACT_BUCKET}/{BUNDLE_KEY}"


@pytest.fixture
def run_bootstrap() -> Callable[..., BootstrapProcess]:
    """Starts bootstrap.py; ``on_event`` sees each JSON line the runner prints (through bootstrap); ``env`` adds to
    the process's environment."""
    started: List[BootstrapProcess] = []

    def start(
        args: Sequence[str],
        endpoint: str,
        on_event: Callable[[Dict, BootstrapProcess], None] = lambda e, p: None,
        env: Optional[Mapping[str, str]] = None,
    ):
        process = BootstrapProcess(args, endpoint, on_event, env)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.process.poll() is None:
            process.process.kill()
            process.process.wait()
