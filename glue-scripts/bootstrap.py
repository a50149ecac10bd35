"""Glue Python-shell entry point of the "load" job: runs the bundled Node runner (`sfetl load`), see docs/glue.md.

Glue 3.0 Python shell (Python 3.9, stdlib + boto3). The job's only file is this script: the runner bundle
(Node binary, esbuild bundle, DuckDB binding, glibc loader and libraries) is a zip in S3, named by
``--bundle-s3-uri`` and pinned by ``--bundle-sha256``. This script

1. resolves the run id (``--run-id``, else the workflow run property ``sfetl_run_id``, else ``WORKFLOW_RUN_ID``,
   else ``JOB_RUN_ID``) and, inside a workflow, writes it to the workflow run properties for the publish job;
2. downloads the bundle into ``/tmp/sfetl-runner/<sha256>/`` (kept for later runs on the same host), checks its
   sha256 and refuses a mismatch, refuses zip entries that would land outside the folder, and checks every file
   against the bundle's ``manifest.json``;
3. starts ``bin/node runner.js load …`` directly when the host's glibc is at least 2.28 (what official Node
   binaries need), else through the shipped loader ``lib/ld-linux-x86-64.so.2 --library-path lib``;
4. streams the runner's output line by line, forwards SIGTERM (Glue stop or timeout) and gives the runner
   time to save its state;
5. maps the runner's exit code to the job's outcome (docs/operations.md): 0 succeeds, 2 fails unless
   ``--fail-on-threshold false``, anything else fails with one line that says what to do. A failed AWS call
   before the runner starts fails the job with one such line too, never a traceback.

``--probe true`` prints the host's OS release, glibc, architecture and ``node -v`` (started the way a load
would start it) and exits: one run of the job in a real account shows whether the bundle starts there.

Everything above ``main`` takes its clients and paths as arguments; nothing runs at import time.
"""

import argparse
import ctypes
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from typing import IO, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

# Shipped beside this script with --extra-py-files (docs/glue.md); here, the file next to it.
from sfetl_glue_job import RUN_ID_PROPERTY, JobLog, job_argument_parser, parse_job_arguments
from sfetl_glue_job import one_line, split_objects, str_to_bool

#: Official Node >= 18 linux-x64 binaries are built against this glibc.
NODE_MIN_GLIBC = (2, 28)
BUNDLE_CACHE_ROOT = "/tmp/sfetl-runner"
LOADER = os.path.join("lib", "ld-linux-x86-64.so.2")
#: How long the runner gets after SIGTERM to finish its step and save its state before it is killed.
DEFAULT_TERM_GRACE_SECONDS = 60.0
LAUNCH_MODES = ("auto", "direct", "loader")
#: Error codes of the workflow run property calls that the job role or the workflow run explain.
WORKFLOW_ACCESS_ERRORS = ("AccessDeniedException", "AccessDenied")
WORKFLOW_NOT_FOUND_ERRORS = ("EntityNotFoundException",)
#: S3 error codes that mean the bundle is not there or not readable by the job role.
BUNDLE_NOT_READABLE_ERRORS = ("NoSuchKey", "NoSuchBucket", "404", "NotFound", "AccessDenied", "403")
_COMPLETE_MARKER = ".complete"
_CHUNK = 1024 * 1024


class BootstrapError(Exception):
    """Stops the job before or instead of the runner; the message is the one line that says what to do."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class RunId(NamedTuple):
    """The run id handed to the runner and where it came from (explicit, workflow-property, workflow, job)."""

    value: Optional[str]
    source: str


class Outcome(NamedTuple):
    """What the Glue job does with a runner exit code: its own exit code and the line it prints (if any)."""

    exit_code: int
    message: Optional[str]


# ---------------------------------------------------------------------------------------------- arguments


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The job's arguments. Glue's own (--JOB_ID, --TempDir, --scriptLocation, --conf, --debug, --mode, …) are
    accepted and ignored; no argument is matched by a prefix (allow_abbrev=False)."""
    parser = job_argument_parser("bootstrap.py", (__doc__ or "").split("\n")[0])
    parser.add_argument("--env", help="dev, qa, uat or prod (required unless --probe)")
    parser.add_argument("--config", help="configuration: s3://bucket/key or a path")
    parser.add_argument("--objects", default="", help="comma-separated sObject names (default: every configured object)")
    parser.add_argument("--bundle-s3-uri", help="s3://bucket/key of runner-bundle.zip")
    parser.add_argument("--bundle-sha256", help="sha256 of runner-bundle.zip (dist/runner-bundle.zip.sha256)")
    parser.add_argument("--run-id", default="", help="run id of the logs (default: see docs/glue.md)")
    parser.add_argument("--confirm-env", default="", help="must name a protected env (prod) to load it")
    parser.add_argument("--fail-on-threshold", type=str_to_bool, default=True, help="exit 2 fails the job (true)")
    parser.add_argument("--force", type=str_to_bool, nargs="?", const=True, default=False, help="reload loaded files")
    parser.add_argument(
        "--skip-loaded-rows", type=str_to_bool, nargs="?", const=True, default=False,
        help="load changed files, skipping rows already loaded",
    )  # fmt: skip
    parser.add_argument("--dry-run", type=str_to_bool, nargs="?", const=True, default=False, help="preflight only")
    parser.add_argument(
        "--report", type=str_to_bool, nargs="?", const=True, default=False,
        help="write the run's HTML report to the log bucket after the load",
    )  # fmt: skip
    parser.add_argument(
        "--put-metrics", type=str_to_bool, nargs="?", const=True, default=False,
        help="put the run's metrics into CloudWatch (PutMetricData) after the load",
    )  # fmt: skip
    parser.add_argument("--probe", type=str_to_bool, nargs="?", const=True, default=False, help="print host facts")
    parser.add_argument("--launch-mode", choices=LAUNCH_MODES, default="auto", help="auto (from glibc), direct, loader")
    parser.add_argument("--term-grace-seconds", type=float, default=DEFAULT_TERM_GRACE_SECONDS)
    parser.add_argument("--cache-dir", default=BUNDLE_CACHE_ROOT, help="where bundles are unpacked")
    return parse_job_arguments(parser, argv)


# ------------------------------------------------------------------------------------------------ run id


def resolve_run_id(
    explicit: str, workflow_property: Optional[str], workflow_run_id: str, job_run_id: str
) -> RunId:
    """The run id for this load.

    An explicit ``--run-id`` wins; then a ``sfetl_run_id`` already in the workflow run's properties (set when
    the workflow was started, or by an earlier attempt of this job in the same workflow run); then the
    workflow run id, which every job of one workflow run shares; then the job run id. A console rerun of
    the job alone gets a new JOB_RUN_ID, so a new run id: files an earlier run left in progress still resume
    into that earlier run's log directories, files already loaded are skipped (docs/operations.md).
    """
    if explicit:
        return RunId(explicit, "explicit")
    if workflow_property:
        return RunId(workflow_property, "workflow-property")
    if workflow_run_id:
        return RunId(workflow_run_id, "workflow")
    if job_run_id:
        return RunId(job_run_id, "job")
    return RunId(None, "runner")


def get_workflow_run_properties(glue, workflow_name: str, workflow_run_id: str) -> Dict[str, str]:
    """The run properties of one workflow run (what the publish job reads the run id from)."""
    response = glue.get_workflow_run_properties(Name=workflow_name, RunId=workflow_run_id)
    return dict(response.get("RunProperties") or {})


def put_run_id_property(glue, workflow_name: str, workflow_run_id: str, run_id: str) -> None:
    """Writes the run id into the workflow run's properties (other properties are kept)."""
    glue.put_workflow_run_properties(
        Name=workflow_name, RunId=workflow_run_id, RunProperties={RUN_ID_PROPERTY: run_id}
    )


def run_id_for_job(glue, args: argparse.Namespace) -> RunId:
    """Resolves the run id and, inside a workflow run, records it in the workflow run properties.

    ``glue`` is only used inside a workflow run (WORKFLOW_NAME and WORKFLOW_RUN_ID set); it may be None outside.
    A property call refused for lack of permission, or for a workflow run that does not exist, stops the job
    (BootstrapError); any other error is not this job's set-up and propagates as it is.
    """
    if not (args.WORKFLOW_NAME and args.WORKFLOW_RUN_ID):
        return resolve_run_id(args.run_id, None, args.WORKFLOW_RUN_ID, args.JOB_RUN_ID)
    from botocore.exceptions import ClientError  # with boto3, only inside a workflow run

    try:
        existing = get_workflow_run_properties(glue, args.WORKFLOW_NAME, args.WORKFLOW_RUN_ID).get(RUN_ID_PROPERTY)
        run_id = resolve_run_id(args.run_id, existing, args.WORKFLOW_RUN_ID, args.JOB_RUN_ID)
        if run_id.value and run_id.value != existing:
            put_run_id_property(glue, args.WORKFLOW_NAME, args.WORKFLOW_RUN_ID, run_id.value)
    except ClientError as error:
        answer = error.response.get("Error", {})
        code = answer.get("Code", "")
        if code in WORKFLOW_ACCESS_ERRORS:
            what_to_do = (
                f"give the job role glue:GetWorkflowRunProperties and glue:PutWorkflowRunProperties on workflow "
                f"{args.WORKFLOW_NAME}, then run the job again"
            )
        elif code in WORKFLOW_NOT_FOUND_ERRORS:
            what_to_do = (
                f"the workflow or its run does not exist (any more): start the job from workflow {args.WORKFLOW_NAME}, "
                "or on its own without WORKFLOW_NAME and WORKFLOW_RUN_ID (the job role needs "
                "glue:GetWorkflowRunProperties and glue:PutWorkflowRunProperties on the workflow)"
            )
        else:
            raise
        raise BootstrapError(
            f"could not read or write the workflow run property {RUN_ID_PROPERTY} of {args.WORKFLOW_NAME} run "
            f"{args.WORKFLOW_RUN_ID} ({error.operation_name}: {code}: {one_line(answer.get('Message', ''))}): "
            f"{what_to_do}"
        ) from None
    return run_id


# ------------------------------------------------------------------------------------------------ bundle


def parse_s3_uri(uri: str) -> Tuple[str, str]:
    if not uri or not uri.startswith("s3://") or "/" not in uri[5:] or uri.endswith("/"):
        raise BootstrapError(f"--bundle-s3-uri must be s3://<bucket>/<key of runner-bundle.zip>, got {uri!r}")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def normalise_sha256(value: Optional[str]) -> str:
    text = (value or "").strip().lower()
    if text.startswith("sha256:"):
        text = text[len("sha256:") :]
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise BootstrapError(
            f"--bundle-sha256 must be the 64-hex-digit sha256 of the bundle (dist/runner-bundle.zip.sha256), got {value!r}"
        )
    return text


def _download(s3, bucket: str, key: str, target: str) -> str:
    """Streams s3://bucket/key to target; returns its sha256. A missing or unreadable bundle says where it looked;
    missing credentials and an S3 endpoint out of reach say so in one line too."""
    # Part of boto3 (Glue's); imported here so that importing this module needs no AWS SDK.
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, PartialCredentialsError

    uri = f"s3://{bucket}/{key}"
    digest = hashlib.sha256()
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        with open(target, "wb") as out:
            for chunk in body.iter_chunks(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code not in BUNDLE_NOT_READABLE_ERRORS:
            raise
        raise BootstrapError(
            f"runner bundle not found or not readable: looked in {uri} (bucket {bucket!r}, key {key!r}: {code}). "
            "Upload dist/runner-bundle.zip there or point --bundle-s3-uri at it, and check that the job role may "
            "read it"
        ) from None
    except (NoCredentialsError, PartialCredentialsError) as error:
        raise BootstrapError(
            f"no AWS credentials to download the runner bundle {uri} ({one_line(error)}): run bootstrap.py as a "
            "Glue job (its role gives them), or set AWS credentials in the environment when running it by hand"
        ) from None
    except BotoCoreError as error:  # endpoint not reachable, connection or read timeouts, a cut-off download
        raise BootstrapError(
            f"could not download the runner bundle {uri} ({one_line(error)}): check the job's network access to "
            "S3 (a Glue connection's VPC needs an S3 gateway endpoint or a NAT gateway), then run the job again"
        ) from None
    return digest.hexdigest()


def _extract(archive: str, target: str) -> None:
    """Unzips with the Unix modes the bundle was built with (zipfile itself drops them)."""
    root = os.path.realpath(target)
    with zipfile.ZipFile(archive) as bundle:
        for info in bundle.infolist():
            path = os.path.realpath(os.path.join(target, info.filename))
            if not path.startswith(root + os.sep):
                raise BootstrapError(f"runner bundle entry {info.filename!r} points outside the bundle: refusing it")
            bundle.extract(info, target)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(path, mode)


def _bundle_files(directory: str) -> List[str]:
    """Every file of the unpacked bundle but manifest.json, as manifest paths (``/``-separated, relative)."""
    found = []
    for root, _dirs, files in os.walk(directory):
        for name in files:
            path = os.path.relpath(os.path.join(root, name), directory).replace(os.sep, "/")
            if path != "manifest.json":
                found.append(path)
    return sorted(found)


def _check_manifest(directory: str) -> Dict:
    """The bundle's manifest, once every file it lists is there with its sha256 and no other file is."""
    try:
        with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as handle:
            manifest = json.load(handle)
        entries = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BootstrapError(
            f"the runner bundle has no readable manifest.json ({error}): it is not a bundle that "
            "`npm run bundle:runner` built; rebuild it and upload dist/runner-bundle.zip"
        ) from None
    unlisted = sorted(set(_bundle_files(directory)) - set(entries))
    if unlisted:
        raise BootstrapError(
            f"runner bundle file {unlisted[0]} is not in its manifest.json ({len(unlisted)} such file(s)): the zip was "
            "changed after the build; rebuild the bundle"
        )
    for path, expected in sorted(entries.items()):
        digest = hashlib.sha256()
        try:
            with open(os.path.join(directory, path), "rb") as handle:
                for chunk in iter(lambda: handle.read(_CHUNK), b""):
                    digest.update(chunk)
        except OSError:
            raise BootstrapError(
                f"runner bundle file {path} is listed in its manifest.json but missing: rebuild the bundle"
            ) from None
        if digest.hexdigest() != expected:
            raise BootstrapError(
                f"runner bundle file {path} does not match its manifest.json (sha256 {digest.hexdigest()}, listed "
                f"{expected}): rebuild the bundle"
            )
    return manifest


def fetch_bundle(s3, uri: str, sha256: str, cache_root: str, log: Callable[[str], None]) -> str:
    """The unpacked bundle's directory, ``<cache_root>/<sha256>/``: downloaded, verified, unpacked once."""
    bucket, key = parse_s3_uri(uri)
    expected = normalise_sha256(sha256)
    directory = os.path.join(cache_root, expected)
    if os.path.exists(os.path.join(directory, _COMPLETE_MARKER)):
        log(f"runner bundle {expected[:12]}… already unpacked in {directory}")
        return directory
    os.makedirs(cache_root, exist_ok=True)
    staging = os.path.join(cache_root, f".{expected}.{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    try:
        archive = os.path.join(staging, "runner-bundle.zip")
        started = time.monotonic()
        actual = _download(s3, bucket, key, archive)
        if actual != expected:
            raise BootstrapError(
                f"runner bundle s3://{bucket}/{key} has sha256 {actual}, not {expected} (--bundle-sha256): refusing to "
                "run it. Upload the bundle that sha256 names, or set --bundle-sha256 to the bundle's "
                "dist/runner-bundle.zip.sha256"
            )
        unpacked = os.path.join(staging, "bundle")
        _extract(archive, unpacked)
        manifest = _check_manifest(unpacked)
        shutil.rmtree(directory, ignore_errors=True)
        os.rename(unpacked, directory)
        with open(os.path.join(directory, _COMPLETE_MARKER), "w", encoding="utf-8") as marker:
            marker.write(expected)
        log(
            f"runner bundle s3://{bucket}/{key} ({expected[:12]}…, node {manifest['node']['version']}, "
            f"git {manifest.get('gitCommit', '?')[:12]}) unpacked in {time.monotonic() - started:.1f} s"
        )
        return directory
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# ------------------------------------------------------------------------------------------ glibc, launch


def parse_glibc_version(text: Optional[str]) -> Optional[Tuple[int, int]]:
    """``"glibc 2.26"`` or ``"2.26"`` → (2, 26); None when it is not a glibc version."""
    if not text:
        return None
    version = text.split()[-1]
    parts = version.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return None


def host_glibc_version() -> Optional[Tuple[int, int]]:
    """The running glibc, or None (musl, or not found)."""
    try:
        found = parse_glibc_version(os.confstr("CS_GNU_LIBC_VERSION"))
        if found:
            return found
    except (AttributeError, ValueError, OSError):
        pass
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version.restype = ctypes.c_char_p
        return parse_glibc_version(libc.gnu_get_libc_version().decode("ascii"))
    except (AttributeError, OSError):
        return None


def choose_launch_mode(glibc: Optional[Tuple[int, int]], requested: str = "auto") -> str:
    """``direct`` when the host glibc can run official Node (>= 2.28), else ``loader`` (also when unknown)."""
    if requested in ("direct", "loader"):
        return requested
    if requested != "auto":
        raise BootstrapError(f"--launch-mode must be one of {', '.join(LAUNCH_MODES)}, got {requested!r}")
    return "direct" if glibc is not None and glibc >= NODE_MIN_GLIBC else "loader"


def node_command(bundle_dir: str, mode: str, node_args: Sequence[str]) -> List[str]:
    """The command line that starts the bundle's node with ``node_args`` in the given launch mode."""
    node = os.path.join(bundle_dir, "bin", "node")
    if mode == "direct":
        return [node, *node_args]
    # The shipped loader resolves every library from lib/ first, so node runs on the bundle's glibc whatever
    # the host has. process.execPath is then the loader: the runner starts no node child processes.
    return [os.path.join(bundle_dir, LOADER), "--library-path", os.path.join(bundle_dir, "lib"), node, *node_args]


def runner_arguments(args: argparse.Namespace, run_id: Optional[str]) -> List[str]:
    """``sfetl load`` arguments for this job."""
    if not args.env:
        raise BootstrapError("--env is required (dev, qa, uat or prod): set it in the job's arguments")
    out = ["load", "--env", args.env, "--output", "json"]
    if args.config:
        out += ["--config", args.config]
    for name in split_objects(args.objects):
        out += ["--object", name]
    if run_id:
        out += ["--run-id", run_id]
    if args.confirm_env:
        out += ["--confirm-env", args.confirm_env]
    if args.force:
        out.append("--force")
    if args.skip_loaded_rows:
        out.append("--skip-loaded-rows")
    if args.dry_run:
        out.append("--dry-run")
    if args.report:
        out.append("--report")
    if args.put_metrics:
        out.append("--put-metrics")
    return out


def os_release(path: str = "/etc/os-release") -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.platform()


def probe(bundle_dir: str, mode: str, glibc: Optional[Tuple[int, int]], out: IO[str]) -> int:
    """Prints OS release, glibc, architecture and ``node -v`` (started in ``mode``); 0 when node started."""
    glibc_text = "unknown (not glibc)" if glibc is None else f"{glibc[0]}.{glibc[1]}"
    command = node_command(bundle_dir, mode, ["-v"])
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        node = done.stdout.decode("utf-8", "replace").strip() if done.returncode == 0 else ""
        problem = "" if node else done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
    except (OSError, subprocess.TimeoutExpired) as error:
        node, problem = "", str(error)
    facts = {
        "os": os_release(),
        "glibc": glibc_text,
        "arch": platform.machine(),
        "node": node or f"did not start: {problem}",
        "launchMode": mode,
    }
    out.write(f"probe: os: {facts['os']}\n")
    out.write(f"probe: glibc: {facts['glibc']} (node needs {NODE_MIN_GLIBC[0]}.{NODE_MIN_GLIBC[1]}; launch mode {mode})\n")
    out.write(f"probe: arch: {facts['arch']}\n")
    out.write(f"probe: node: {facts['node']}\n")
    out.write(json.dumps({"event": "probe", **facts}) + "\n")
    out.flush()
    return 0 if node else 1


# ------------------------------------------------------------------------------------------------ runner


class RunnerProcess:
    """The runner as a child process: output streamed line by line, SIGTERM forwarded with a grace period."""

    def __init__(
        self,
        command: Sequence[str],
        out: IO[bytes],
        err: IO[bytes],
        grace_seconds: float = DEFAULT_TERM_GRACE_SECONDS,
        env: Optional[Dict[str, str]] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.grace_seconds = grace_seconds
        self.clock = clock
        self.kill_at: Optional[float] = None
        self.stopped_by: Optional[int] = None
        self.last_error_lines: List[str] = []
        self.process = subprocess.Popen(
            list(command), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        self._pumps = [
            threading.Thread(target=self._pump, args=(self.process.stdout, out, False), daemon=True),
            threading.Thread(target=self._pump, args=(self.process.stderr, err, True), daemon=True),
        ]
        for pump in self._pumps:
            pump.start()

    def _pump(self, stream: IO[bytes], sink: IO[bytes], keep: bool) -> None:
        for line in iter(stream.readline, b""):
            sink.write(line)
            sink.flush()
            if keep:
                self.last_error_lines = (self.last_error_lines + [line.decode("utf-8", "replace").rstrip()])[-5:]
        stream.close()

    def forward(self, signum: int) -> None:
        """Passes a stop signal on to the runner, which finishes its step and saves its state; kills it after
        the grace period (a second signal does not shorten it)."""
        self.stopped_by = signum
        if self.process.poll() is None:
            self.process.send_signal(signum)
            if self.kill_at is None:
                self.kill_at = self.clock() + self.grace_seconds

    def wait(self) -> int:
        """The runner's exit code (negative: killed by that signal), once its output is all passed on."""
        while True:
            try:
                code = self.process.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if self.kill_at is not None and self.clock() >= self.kill_at:
                    self.process.kill()
        for pump in self._pumps:
            pump.join(timeout=10)
        return code


def outcome(code: int, fail_on_threshold: bool = True, stopped_by: Optional[int] = None) -> Outcome:
    """The job's exit code and last line for a runner exit code (DESIGN.md §2.4, docs/operations.md)."""
    if code == 0:
        return Outcome(0, None)
    if code == 2:
        if not fail_on_threshold:
            return Outcome(
                0,
                "sfetl load exited 2: loaded, but the failure rate is above the threshold; the job succeeds because "
                "--fail-on-threshold is false. Read the failure log named in the summary above",
            )
        return Outcome(
            2,
            "sfetl load exited 2: loaded, but the failure rate is above the threshold: read the failure log named "
            "in the summary above, fix those rows and load them as a new file (set --fail-on-threshold false to "
            "let such runs succeed)",
        )
    if code == 1 and stopped_by is not None:
        return Outcome(
            1,
            f"sfetl load stopped on {signal.Signals(stopped_by).name} with its state saved: run the job again "
            "(or resume the workflow run) and it continues where it stopped",
        )
    if code == 1:
        return Outcome(
            1,
            "sfetl load exited 1 (fatal: configuration, credentials, preflight or infrastructure): the runner's "
            "line above names the problem and its fix; after an infrastructure fault just run the job again, it resumes",
        )
    if code == 3:
        return Outcome(
            3,
            "sfetl load exited 3: reconciliation mismatch (rows read != rows logged): do not rerun blindly; compare "
            "the run manifest and ledger with the logs and the org (docs/operations.md) and report it",
        )
    if code == 4:
        return Outcome(
            4,
            "sfetl load exited 4: another run holds the lock for this env and object: wait until it ends (the "
            "line above names it and when its lease ends), then run the job again",
        )
    if code < 0:
        return Outcome(
            1,
            f"the runner was killed by {signal.Signals(-code).name} (out of memory, or it did not stop within the "
            "grace period): run the job again, it resumes from the saved state; if it recurs, give the job more memory",
        )
    return Outcome(1, f"sfetl load exited {code}, which it never should: report it with the output above")


# -------------------------------------------------------------------------------------------------- main


_LOG = JobLog("bootstrap")


def main(argv: Sequence[str]) -> int:
    # Only when run as a script: importing this module needs no AWS SDK set-up.
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    args = parse_args(argv)
    try:
        s3 = boto3.client("s3")
        bundle_dir = fetch_bundle(s3, args.bundle_s3_uri or "", args.bundle_sha256, args.cache_dir, _LOG.info)
        glibc = host_glibc_version()
        mode = choose_launch_mode(glibc, args.launch_mode)
        if args.probe:
            return probe(bundle_dir, mode, glibc, sys.stdout)
        in_workflow = bool(args.WORKFLOW_NAME and args.WORKFLOW_RUN_ID)
        run_id = run_id_for_job(boto3.client("glue") if in_workflow else None, args)
        command = node_command(bundle_dir, mode, ["--enable-source-maps", os.path.join(bundle_dir, "runner.js")])
        command += runner_arguments(args, run_id.value)
    except BootstrapError as error:
        _LOG.error(str(error))
        return error.exit_code
    except (ClientError, BotoCoreError) as error:  # what the steps above do not explain themselves
        _LOG.error(
            f"an AWS call failed before the runner started ({one_line(error)}): check the job's network "
            "access to S3 and Glue and its role's permissions, then run the job again; nothing was loaded"
        )
        return 1
    glibc_text = "unknown" if glibc is None else f"{glibc[0]}.{glibc[1]}"
    _LOG.info(f"run id {run_id.value or '(chosen by the runner)'} ({run_id.source}); glibc {glibc_text}, launch mode {mode}")
    try:
        runner = RunnerProcess(command, sys.stdout.buffer, sys.stderr.buffer, args.term_grace_seconds)
    except OSError as error:
        _LOG.error(
            f"could not start the runner in {mode} mode ({error}): run the job once with --probe true "
            "to see the host's glibc and whether node starts, and try --launch-mode loader"
        )
        return 1
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda received, _frame: runner.forward(received))
    code = runner.wait()
    result = outcome(code, args.fail_on_threshold, runner.stopped_by)
    if result.message:
        (_LOG.error if result.exit_code else _LOG.info)(result.message)
    return result.exit_code


if __name__ == "__main__":
    exit_code = main(sys.argv[1:])
    if exit_code:
        raise SystemExit(exit_code)
