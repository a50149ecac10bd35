"""bootstrap.py and the runner bundle: download and sha256 check from S3 (moto), the bundle's own checks (manifest,
zip entries), download errors, cache, launch modes, probe."""

import hashlib
import os
import subprocess
from pathlib import Path
from typing import Dict, List, Optional

import boto3
import pytest
from botocore.config import Config

import bootstrap
from glue_test_support import ARTIFACT_BUCKET, BUNDLE_KEY, REGION, Bundle, client, closed_port_endpoint, write_bundle

BUNDLE_URI = f"s3://{ARTIFACT_BUCKET}/{BUNDLE_KEY}"


@pytest.fixture(scope="module")
def s3(moto_endpoint: str, runner_bundle: Bundle):
    """moto's S3 with the bundle at BUNDLE_URI."""
    s3 = client("s3", moto_endpoint)
    s3.create_bucket(Bucket=ARTIFACT_BUCKET)
    s3.upload_file(str(runner_bundle.path), ARTIFACT_BUCKET, BUNDLE_KEY)
    return s3


@pytest.fixture(scope="module")
def unpacked(s3, runner_bundle: Bundle, tmp_path_factory: pytest.TempPathFactory) -> str:
    return bootstrap.fetch_bundle(s3, BUNDLE_URI, runner_bundle.sha256, str(tmp_path_factory.mktemp("cache")), print)


def test_the_bundle_holds_node_the_runner_duckdb_and_the_glibc_loader(runner_bundle: Bundle, unpacked: str) -> None:
    manifest = runner_bundle.manifest
    paths = {entry["path"] for entry in manifest["files"]}
    assert {"runner.js", "bin/node", "lib/ld-linux-x86-64.so.2", "lib/libc.so.6", "lib/libstdc++.so.6"} <= paths
    assert "node_modules/@duckdb/node-bindings-linux-x64/duckdb.node" in paths
    assert "node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so" in paths
    node_version = (Path(bootstrap.__file__).parents[1] / "node_modules" / "node" / "package.json").read_text()
    assert f'"version": "{manifest["node"]["version"]}"' in node_version
    assert manifest["glibc"]["version"] >= "2.28" and manifest["gitCommit"] and manifest["builtAt"]
    assert hashlib.sha256(runner_bundle.path.read_bytes()).hexdigest() == runner_bundle.sha256
    # Executable bits survive the zip: Glue's /tmp gets a node it can start.
    assert os.access(os.path.join(unpacked, "bin", "node"), os.X_OK)
    assert os.access(os.path.join(unpacked, "lib", "ld-linux-x86-64.so.2"), os.X_OK)


def test_a_wrong_sha256_refuses_the_bundle_and_leaves_nothing_to_run(s3, tmp_path: Path) -> None:
    wrong = "0" * 64
    with pytest.raises(bootstrap.BootstrapError) as refused:
        bootstrap.fetch_bundle(s3, BUNDLE_URI, wrong, str(tmp_path), print)
    message = str(refused.value)
    assert f"has sha256 " in message and f"not {wrong}" in message and "refusing to run it" in message
    assert os.listdir(tmp_path) == []


def test_a_missing_bundle_says_where_it_looked(s3, tmp_path: Path) -> None:
    with pytest.raises(bootstrap.BootstrapError) as missing:
        bootstrap.fetch_bundle(s3, f"s3://{ARTIFACT_BUCKET}/runner/nope.zip", "a" * 64, str(tmp_path), print)
    assert f"looked in s3://{ARTIFACT_BUCKET}/runner/nope.zip (bucket '{ARTIFACT_BUCKET}', key 'runner/nope.zip'" in str(
        missing.value
    )
    with pytest.raises(bootstrap.BootstrapError, match="looked in s3://no-such-bucket/x.zip"):
        bootstrap.fetch_bundle(s3, "s3://no-such-bucket/x.zip", "a" * 64, str(tmp_path), print)


def test_the_job_fails_with_one_line_when_the_sha256_is_wrong(moto_endpoint: str, s3, run_bootstrap, tmp_path) -> None:
    args = ["--env", "qa", "--bundle-s3-uri", BUNDLE_URI, "--bundle-sha256", "f" * 64, "--cache-dir", str(tmp_path)]
    job = run_bootstrap(args + ["--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_1", "--TempDir", "s3://tmp/"], moto_endpoint)
    assert job.wait() == 1
    assert "refusing to run it" in "".join(job.stderr)


def test_an_unpacked_bundle_is_reused_without_s3(s3, runner_bundle: Bundle, unpacked: str) -> None:
    lines: List[str] = []
    cache_root = os.path.dirname(unpacked)

    class NoS3:
        def get_object(self, **_kwargs):
            raise AssertionError("the cached bundle must not be downloaded again")

    again = bootstrap.fetch_bundle(NoS3(), BUNDLE_URI, runner_bundle.sha256.upper(), cache_root, lines.append)
    assert again == unpacked == os.path.join(cache_root, runner_bundle.sha256)
    assert "already unpacked" in lines[0]


@pytest.mark.parametrize(
    "glibc, mode",
    [((2, 26), "loader"), ((2, 27), "loader"), ((2, 28), "direct"), ((2, 36), "direct"), (None, "loader")],
)
def test_the_launch_mode_follows_the_host_glibc(glibc, mode) -> None:
    assert bootstrap.choose_launch_mode(glibc) == mode


def test_the_launch_mode_can_be_forced_and_the_host_glibc_is_read() -> None:
    assert bootstrap.choose_launch_mode((2, 26), "direct") == "direct"
    assert bootstrap.choose_launch_mode((2, 36), "loader") == "loader"
    assert bootstrap.parse_glibc_version("glibc 2.26") == (2, 26)
    assert bootstrap.parse_glibc_version("musl") is None
    assert bootstrap.host_glibc_version() == bootstrap.parse_glibc_version(os.confstr("CS_GNU_LIBC_VERSION"))


def test_through_the_loader_node_runs_on_the_bundles_glibc_not_the_hosts(unpacked: str) -> None:
    script = (
        "const maps = require('fs').readFileSync('/proc/self/maps', 'utf8');"
        "console.log([...new Set(maps.split('\\n').filter((l) => /libc\\.so|libstdc/.test(l)).map((l) => l.split(/\\s+/).pop()))].join('\\n'));"
        "console.log(process.report.getReport().header.glibcVersionRuntime);"
        "require('./node_modules/@duckdb/node-bindings-linux-x64/duckdb.node');"
    )
    via_loader = subprocess.run(
        bootstrap.node_command(unpacked, "loader", ["-e", script]), cwd=unpacked, capture_output=True, text=True, check=True
    )
    lib = os.path.join(unpacked, "lib")
    mapped = via_loader.stdout.split()
    assert set(mapped[:-1]) == {os.path.join(lib, "libc.so.6"), os.path.join(lib, "libstdc++.so.6")}
    direct = subprocess.run(
        bootstrap.node_command(unpacked, "direct", ["-e", script]), cwd=unpacked, capture_output=True, text=True, check=True
    )
    assert not any(path.startswith(lib) for path in direct.stdout.split()[:-1])


@pytest.mark.parametrize("mode", ["direct", "loader"])
def test_probe_prints_os_glibc_arch_and_node_version(
    moto_endpoint: str, s3, runner_bundle: Bundle, run_bootstrap, tmp_path: Path, mode: str
) -> None:
    args = ["--probe", "true", "--bundle-s3-uri", BUNDLE_URI, "--bundle-sha256", runner_bundle.sha256]
    job = run_bootstrap(args + ["--launch-mode", mode, "--cache-dir", str(tmp_path), "--JOB_RUN_ID", "jr_p"], moto_endpoint)
    assert job.wait() == 0, job.output()
    out = "".join(job.stdout)
    pretty = bootstrap.os_release()
    glibc = os.confstr("CS_GNU_LIBC_VERSION").split()[-1]
    assert f"probe: os: {pretty}\n" in out
    assert f"probe: glibc: {glibc} (node needs 2.28; launch mode {mode})\n" in out
    assert f"probe: arch: {os.uname().machine}\n" in out
    assert f"probe: node: v{runner_bundle.manifest['node']['version']}\n" in out
    assert [e for e in job.events() if e["event"] == "probe"][0]["launchMode"] == mode


def test_a_workflow_run_property_that_cannot_be_written_stops_the_job_before_the_runner(
    moto_endpoint: str, s3, runner_bundle: Bundle, run_bootstrap, tmp_path: Path
) -> None:
    args = ["--env", "qa", "--bundle-s3-uri", BUNDLE_URI, "--bundle-sha256", runner_bundle.sha256]
    args += ["--cache-dir", str(tmp_path), "--WORKFLOW_NAME", "no-such-workflow", "--WORKFLOW_RUN_ID", "wr_0"]
    job = run_bootstrap(args + ["--JOB_RUN_ID", "jr_w"], moto_endpoint)
    assert job.wait() == 1
    last = "".join(job.stderr).strip().splitlines()[-1]
    assert last.startswith("bootstrap: could not read or write the workflow run property sfetl_run_id of no-such-workflow")
    assert "glue:PutWorkflowRunProperties" in last
    assert not [e for e in job.events() if e.get("event") == "run-started"]


def put_bundle(s3, tmp_path: Path, files: Dict[str, bytes], listed: Optional[Dict[str, bytes]] = None):
    """A hand-made bundle in moto's S3: (its s3:// URI, its sha256)."""
    sha256 = write_bundle(tmp_path / "bundle.zip", files, listed=listed)
    key = f"hand-made/{tmp_path.name}.zip"
    s3.upload_file(str(tmp_path / "bundle.zip"), ARTIFACT_BUCKET, key)
    return f"s3://{ARTIFACT_BUCKET}/{key}", sha256


BUILT = {"runner.js": b"console.log('built')", "bin/node": b"node"}


@pytest.mark.parametrize(
    "files, says",
    [
        (
            {**BUILT, "runner.js": b"console.log('changed')"},
            "runner bundle file runner.js does not match its manifest.json (sha256 ",
        ),
        ({"bin/node": b"node"}, "runner bundle file runner.js is listed in its manifest.json but missing"),
        ({**BUILT, "lib/extra.so": b"?"}, "runner bundle file lib/extra.so is not in its manifest.json"),
    ],
    ids=["changed", "missing", "unlisted"],
)
def test_a_bundle_whose_files_do_not_match_its_manifest_is_refused(s3, tmp_path: Path, files, says: str) -> None:
    # The zip's sha256 is right (it is what --bundle-sha256 pins); its content disagrees with its own manifest.
    uri, sha256 = put_bundle(s3, tmp_path, files, listed=BUILT)
    cache = tmp_path / "cache"
    with pytest.raises(bootstrap.BootstrapError) as refused:
        bootstrap.fetch_bundle(s3, uri, sha256, str(cache), print)
    message = str(refused.value)
    assert says in message and message.endswith("rebuild the bundle") and "\n" not in message
    assert os.listdir(cache) == []  # nothing unpacked, nothing half-kept for the next run


@pytest.mark.parametrize("entry", ["../../escaped.txt", "bin/../../../escaped.txt", "/tmp/sfetl-escaped.txt"])
def test_a_zip_entry_that_would_land_outside_the_bundle_folder_is_refused(s3, tmp_path: Path, entry: str) -> None:
    files = {**BUILT, entry: b"written outside"}
    uri, sha256 = put_bundle(s3, tmp_path, files)
    cache = tmp_path / "cache"
    with pytest.raises(bootstrap.BootstrapError) as refused:
        bootstrap.fetch_bundle(s3, uri, sha256, str(cache), print)
    assert str(refused.value) == f"runner bundle entry {entry!r} points outside the bundle: refusing it"
    assert [p for p in tmp_path.rglob("escaped.txt")] == [] and not os.path.exists("/tmp/sfetl-escaped.txt")
    assert os.listdir(cache) == []


def test_an_s3_endpoint_out_of_reach_fails_with_one_line(tmp_path: Path) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=closed_port_endpoint(),
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    with pytest.raises(bootstrap.BootstrapError) as failed:
        bootstrap.fetch_bundle(s3, BUNDLE_URI, "a" * 64, str(tmp_path), print)
    message = str(failed.value)
    assert message.startswith(f"could not download the runner bundle {BUNDLE_URI} (Could not connect to the endpoint")
    assert "check the job's network access to S3" in message and "\n" not in message


def test_missing_credentials_fail_with_one_line(moto_endpoint: str, tmp_path: Path, monkeypatch) -> None:
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    s3 = boto3.session.Session().client("s3", endpoint_url=moto_endpoint, region_name=REGION)
    with pytest.raises(bootstrap.BootstrapError) as failed:
        bootstrap.fetch_bundle(s3, BUNDLE_URI, "a" * 64, str(tmp_path / "cache"), print)
    message = str(failed.value)
    assert message.startswith(f"no AWS credentials to download the runner bundle {BUNDLE_URI} (Unable to locate")
    assert "\n" not in message
