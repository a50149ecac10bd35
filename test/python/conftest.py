"""Fixtures that run the Salesforce org emulator (`sfetl emulator`) for Python client tests.

The emulator runs as its own process, exactly as a person starts it, and serves HTTPS with the test-only
certificate in test/fixtures/emulator/tls: simple-salesforce builds every URL with https://.
"""

import json
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import requests
from simple_salesforce import Salesforce

REPO_ROOT = Path(__file__).resolve().parents[2]
# The project pins Node 22 as the `node` devDependency; the node on PATH may be another version.
NODE = REPO_ROOT / "node_modules" / ".bin" / "node"
SFETL = REPO_ROOT / "bin" / "sfetl.js"
TLS_DIR = REPO_ROOT / "test" / "fixtures" / "emulator" / "tls"
TLS_CERT = TLS_DIR / "localhost.pem"
TLS_KEY = TLS_DIR / "localhost-key.pem"

API_VERSION = "66.0"
# The emulator starts in about a second; a cold tsx compile on a busy CI runner takes longer.
READY_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 10


class EmulatorProcess:
    """`sfetl emulator` as a child process: started, read until ready, stopped."""

    def __init__(self, orgs: List[str]) -> None:
        if not NODE.exists():
            raise RuntimeError(f"{NODE} is missing; run `npm ci` in {REPO_ROOT} first")
        self.command = [
            str(NODE),
            str(SFETL),
            "emulator",
            "--orgs",
            ",".join(orgs),
            "--tls-cert",
            str(TLS_CERT),
            "--tls-key",
            str(TLS_KEY),
        ]
        self.process = subprocess.Popen(
            self.command,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Both pipes are drained by threads so a chatty child never blocks on a full pipe.
        self._stdout_lines: "queue.Queue[str]" = queue.Queue()
        self._stderr: List[str] = []
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        threading.Thread(target=self._pump_stderr, daemon=True).start()

    def _pump_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._stdout_lines.put(line)
        self._stdout_lines.put("")  # end of output: the process closed stdout or exited

    def _pump_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr.append(line)

    def stderr(self) -> str:
        return "".join(self._stderr).strip() or "(nothing)"

    def wait_until_ready(self, timeout: float) -> Dict[str, Dict[str, str]]:
        """The `orgs` of the emulator's one JSON line; raises with its stderr when the line does not come."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self._stdout_lines.get(timeout=max(remaining, 0))
            except queue.Empty:
                raise RuntimeError(
                    f"`{' '.join(self.command)}` printed no JSON line within {timeout:.0f} s; "
                    f"stderr: {self.stderr()}"
                ) from None
            if line == "":
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
                raise RuntimeError(
                    f"`{' '.join(self.command)}` exited with code {self.process.returncode} "
                    f"before it was ready; stderr: {self.stderr()}"
                )
            try:
                return json.loads(line)["orgs"]
            except (ValueError, KeyError):
                raise RuntimeError(f"the emulator's first line is not its ready line: {line!r}") from None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL as a last resort; always reaps the process."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture(scope="session")
def emulator_orgs() -> Iterator[Dict[str, Dict[str, str]]]:
    """One emulator process with a `dev` org for the whole session; the endpoints of its orgs by name."""
    emulator = EmulatorProcess(["dev"])
    try:
        yield emulator.wait_until_ready(READY_TIMEOUT_SECONDS)
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def tls_cert() -> str:
    """The emulator's certificate: the only trust anchor the clients get (verification stays on)."""
    return os.fspath(TLS_CERT)


@pytest.fixture
def dev_org(emulator_orgs: Dict[str, Dict[str, str]]) -> Dict[str, str]:
    """The `dev` org, emptied: each test starts with no records and no jobs (credentials stay)."""
    org = emulator_orgs["dev"]
    response = requests.post(f"{org['controlUrl']}/reset", verify=os.fspath(TLS_CERT), timeout=10)
    response.raise_for_status()
    return org


@pytest.fixture
def sf(dev_org: Dict[str, str], tls_cert: str) -> Iterator[Salesforce]:
    """simple-salesforce logged in to the empty `dev` org with the OAuth 2.0 client-credentials flow."""
    session = requests.Session()
    session.verify = tls_cert
    # With trust_env, REQUESTS_CA_BUNDLE (set on many CI images) silently replaces session.verify
    # (psf/requests#3829), and HTTPS_PROXY could route 127.0.0.1 through a proxy.
    session.trust_env = False
    token = session.post(
        f"{dev_org['loginUrl']}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": dev_org["clientId"],
            "client_secret": dev_org["clientSecret"],
        },
        timeout=10,
    )
    token.raise_for_status()
    body = token.json()
    try:
        yield Salesforce(
            instance_url=body["instance_url"],
            session_id=body["access_token"],
            version=API_VERSION,
            session=session,
        )
    finally:
        session.close()
