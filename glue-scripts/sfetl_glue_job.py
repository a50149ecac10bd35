"""What the two Glue Python-shell jobs of sfetl share (bootstrap.py, submit_emr_step.py), see docs/glue.md.

Glue ships this file next to each job's script with ``--extra-py-files`` (the CDK constructs upload it as an
asset); locally the scripts import it from their own folder. Python 3.9, standard library only; nothing runs
at import time.
"""

import argparse
import sys
from typing import IO, List, Optional, Sequence

#: The workflow run property that carries the run id from the load job (writes it) to the publish job (reads it).
RUN_ID_PROPERTY = "sfetl_run_id"
#: Job arguments AWS Glue sets for itself ("internal to AWS Glue, do not set"): declared so that they are never
#: taken for one of ours (``--conf`` is not ``--config``), and ignored.
GLUE_INTERNAL_ARGUMENTS = ("--conf", "--debug", "--mode")
#: Job arguments Glue passes to a job run and the jobs read; never required.
GLUE_RUN_ARGUMENTS = ("--JOB_NAME", "--JOB_RUN_ID", "--WORKFLOW_NAME", "--WORKFLOW_RUN_ID")


def one_line(text: object, limit: int = 300) -> str:
    """AWS messages (an HTML error page, too) flattened and cut, so the job's last line stays one line."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def str_to_bool(value: str) -> bool:
    """Glue passes every job argument as a string: true/false (also yes/no, 1/0, and "" for a bare flag)."""
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "1", ""):
        return True
    if lowered in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def split_objects(objects: str) -> List[str]:
    """``--objects A, B`` → ``["A", "B"]`` (empty names dropped)."""
    return [name.strip() for name in objects.split(",") if name.strip()]


def job_argument_parser(prog: str, description: Optional[str] = None) -> argparse.ArgumentParser:
    """A parser that matches no argument by a prefix (allow_abbrev=False) and knows Glue's own arguments:
    the run arguments (read, never required) and the internal ones (ignored, see GLUE_INTERNAL_ARGUMENTS)."""
    parser = argparse.ArgumentParser(prog=prog, allow_abbrev=False, description=description)
    for name in GLUE_RUN_ARGUMENTS:
        parser.add_argument(name, default="")
    for name in GLUE_INTERNAL_ARGUMENTS:
        parser.add_argument(name, dest=f"glue_{name[2:]}", nargs="?", const="", default=None, help=argparse.SUPPRESS)
    return parser


def parse_job_arguments(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """The job's arguments; the other arguments Glue passes (--JOB_ID, --TempDir, --scriptLocation, …) are ignored."""
    args, _glue_reserved = parser.parse_known_args(list(argv))
    return args


class JobLog:
    """The job's output lines, each prefixed with the job's script name so a CloudWatch line says who wrote it."""

    def __init__(self, name: str, out: Optional[IO[str]] = None, err: Optional[IO[str]] = None) -> None:
        self.name = name
        self._out = out
        self._err = err

    def info(self, line: str) -> None:
        print(f"{self.name}: {line}", file=self._out or sys.stdout, flush=True)

    def error(self, line: str) -> None:
        """The line that ends a failed job: on stderr, one line that says what to do."""
        print(f"{self.name}: {line}", file=self._err or sys.stderr, flush=True)
