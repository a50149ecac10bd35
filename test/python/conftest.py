"""Fixtures that run the Salesforce org emulator (`sfetl emulator`) for Python client tests.

The emulator runs as its own process, exactly as a person starts it, and serves HTTPS with the test-only
certificate in packages/emulator/test/fixtures/tls: simple-salesforce builds every URL with https://.
"""

import os
from typing import Dict, Iterator

import pytest
import requests
from simple_salesforce import Salesforce

# support/, on pytest's pythonpath: the embedded default as child processes, shared by the Python test trees.
from sfetl_processes import REPO_ROOT, running_sfetl

TLS_DIR = REPO_ROOT / "packages" / "emulator" / "test" / "fixtures" / "tls"
TLS_CERT = TLS_DIR / "localhost.pem"
TLS_KEY = TLS_DIR / "localhost-key.pem"

API_VERSION = "66.0"
# The emulator starts in about a second; a cold tsx compile on a busy CI runner takes longer.
READY_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 10


@pytest.fixture(scope="session")
def emulator_orgs() -> Iterator[Dict[str, Dict[str, str]]]:
    """One emulator process with a `dev` org for the whole session; the endpoints of its orgs by name."""
    args = ("emulator", "--orgs", "dev", "--tls-cert", str(TLS_CERT), "--tls-key", str(TLS_KEY))
    with running_sfetl(*args, ready_timeout=READY_TIMEOUT_SECONDS, stop_timeout=STOP_TIMEOUT_SECONDS) as ready:
        yield ready["orgs"]


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
