"""The project's embedded default for Python tests: ``sfetl`` subcommands as child processes.

Shared by the three Python test trees (test/python, glue-scripts/tests, emr/tests); pytest.ini puts this folder
on ``sys.path``. ``sfetl stack`` and ``sfetl emulator`` run as their own processes, exactly as a person starts
them, print one JSON line when they are ready and stop on SIGTERM:

    process = SfetlProcess("stack", "--dir", str(directory))
    try:
        description = process.ready_line(timeout=90)
    finally:
        process.stop()

or, in a fixture, ``with running_sfetl("emulator", ..., ready_timeout=60) as ready: yield ready``; ``running_stack``
does that for ``sfetl stack``.
``runner_config`` turns what ``sfetl stack`` printed into a runner configuration for its four orgs.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Callable, ContextManager, Dict, Iterator, List, Optional

REPO_ROOT = Path(__file__).resolve().parents[3]
# The project pins Node 22 as the `node` devDependency; the node on PATH may be another version.
NODE = REPO_ROOT / "node_modules" / ".bin" / "node"
SFETL = REPO_ROOT / "bin" / "sfetl.js"
# The orgs `sfetl stack` starts, in its order.
STACK_ENVS = ("dev", "qa", "uat", "prod")
# `sfetl stack` starts moto and four orgs; a cold tsx compile on a busy CI runner takes a while.
STACK_READY_TIMEOUT_SECONDS = 90

STDERR_TAIL_LINES = 40


def require_node() -> Path:
    """The project's pinned node; raises when `npm install` has not been run."""
    if not NODE.exists():
        raise RuntimeError(f"{NODE} is missing; run `npm install` in {REPO_ROOT} first")
    return NODE


def sfetl_command(*args: str) -> List[str]:
    """``node bin/sfetl.js <args>`` with the project's node."""
    return [str(require_node()), str(SFETL), *args]


def drain(stream: IO[str], sink: Callable[[str], None]) -> None:
    """Feeds each line of ``stream`` to ``sink``, then ``""`` at the end of the stream."""
    for line in stream:
        sink(line)
    sink("")


class SfetlProcess:
    """``sfetl <args>`` as a child process: both pipes drained on threads, read until its ready line, stopped."""

    def __init__(self, *args: str) -> None:
        self.command = sfetl_command(*args)
        self.process = subprocess.Popen(
            self.command,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Both pipes are drained so that a chatty child never blocks on a full pipe.
        self._stdout_lines: "queue.Queue[str]" = queue.Queue()
        self._stderr: List[str] = []
        self._pumps = [
            threading.Thread(target=drain, args=(self.process.stdout, self._stdout_lines.put), daemon=True),
            threading.Thread(target=drain, args=(self.process.stderr, self._stderr.append), daemon=True),
        ]
        for pump in self._pumps:
            pump.start()

    def describe(self) -> str:
        return f"`{' '.join(self.command)}`"

    def stderr_tail(self, lines: int = STDERR_TAIL_LINES) -> str:
        """The last ``lines`` lines the process wrote to stderr so far."""
        text = "".join(self._stderr).strip()
        return "\n".join(text.splitlines()[-lines:]) or "(nothing)"

    def ready_line(self, timeout: float) -> Dict:
        """The process's first stdout line, parsed; raises with its stderr when no JSON line comes in time."""
        try:
            line = self._stdout_lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(
                f"{self.describe()} printed no JSON line within {timeout:.0f} s; stderr: {self.stderr_tail()}"
            ) from None
        if line == "":  # end of output: the process closed stdout or exited
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self._pumps[1].join(timeout=1)  # the rest of stderr
            raise RuntimeError(
                f"{self.describe()} closed stdout (exit code {self.process.returncode}) before it was ready; "
                f"stderr: {self.stderr_tail()}"
            )
        try:
            description = json.loads(line)
        except ValueError:
            description = None
        if not isinstance(description, dict):
            raise RuntimeError(
                f"{self.describe()}'s first line is not its ready line: {line!r}; stderr: {self.stderr_tail()}"
            )
        return description

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; always reaps the process."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # Close a pipe once its pump has read it to the end (a grandchild may still hold it open).
        for pump, pipe in zip(self._pumps, (self.process.stdout, self.process.stderr)):
            pump.join(timeout=1)
            if pipe is not None and not pump.is_alive():
                pipe.close()


@contextmanager
def running_sfetl(*args: str, ready_timeout: float, stop_timeout: float = 15) -> Iterator[Dict]:
    """Starts ``sfetl <args>``, yields its ready line (parsed) and stops it on the way out."""
    process = SfetlProcess(*args)
    try:
        yield process.ready_line(ready_timeout)
    finally:
        process.stop(stop_timeout)


def running_stack(directory: Path) -> ContextManager[Dict]:
    """``sfetl stack --dir <directory>`` (moto + the four-org emulator): yields what it printed (orgs, moto's
    endpoint, buckets, secrets) and stops it on the way out."""
    return running_sfetl("stack", "--dir", str(directory), ready_timeout=STACK_READY_TIMEOUT_SECONDS)


def runner_config(stack: Dict, objects: List[Dict], limits: Optional[Dict] = None) -> Dict:
    """A runner configuration loading ``objects`` into any of the four orgs of what ``sfetl stack`` printed.

    Logs go to the stack's log bucket; ``limits`` adds to or replaces the quick polling used in tests.
    """
    orgs = stack["orgs"]
    return {
        "environments": {
            env: {
                "instanceUrl": orgs[env]["instanceUrl"],
                "loginUrl": orgs[env]["loginUrl"],
                "apiVersion": "66.0",
                "auth": {"type": "client_credentials", "secretId": stack["secrets"][env]},
                "protected": env == "prod",
            }
            for env in STACK_ENVS
        },
        "objects": objects,
        "logs": {"bucket": stack["buckets"]["logs"], "prefix": "", "glueDatabase": "sfetl_logs"},
        "limits": {"failureRateThreshold": 0.5, "pollIntervalMs": 50, "pollMaxIntervalMs": 200, **(limits or {})},
        "aws": {"region": stack["aws"]["region"], "endpoint": stack["aws"]["endpoint"]},
    }
