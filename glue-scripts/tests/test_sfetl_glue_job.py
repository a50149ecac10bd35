"""sfetl_glue_job.py, the module both Glue jobs import: its helpers, and both scripts running with it only on
the Python path (as Glue's --extra-py-files puts it there), never with a copy of their own."""

import argparse
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import bootstrap
import sfetl_glue_job
import submit_emr_step
from glue_test_support import GLUE_SCRIPTS


def test_one_line_flattens_and_cuts_an_aws_message() -> None:
    assert sfetl_glue_job.one_line("<html>\n  <body>Bad   Gateway</body>\n</html>") == "<html> <body>Bad Gateway</body> </html>"
    cut = sfetl_glue_job.one_line("x" * 400, limit=10)
    assert cut == "x" * 9 + "…" and len(cut) == 10


@pytest.mark.parametrize(
    "text, expected",
    [("true", True), ("YES", True), (" 1 ", True), ("", True), ("false", False), ("No", False), ("0", False)],
)
def test_str_to_bool_reads_what_glue_passes(text: str, expected: bool) -> None:
    assert sfetl_glue_job.str_to_bool(text) is expected


def test_str_to_bool_refuses_anything_else() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="expected true or false, got 'maybe'"):
        sfetl_glue_job.str_to_bool("maybe")


def test_split_objects_drops_blanks_and_spaces() -> None:
    assert sfetl_glue_job.split_objects(" Account, ,Contact,") == ["Account", "Contact"]
    assert sfetl_glue_job.split_objects("") == []


def test_the_job_parser_reads_glue_run_arguments_and_ignores_internal_ones() -> None:
    parser = sfetl_glue_job.job_argument_parser("job.py")
    parser.add_argument("--config")
    args = sfetl_glue_job.parse_job_arguments(
        parser, ["--conf", "x=y", "--JOB_RUN_ID", "jr_1", "--TempDir", "s3://t", "--WORKFLOW_NAME", "w", "--mode"]
    )
    assert (args.config, args.JOB_RUN_ID, args.WORKFLOW_NAME, args.WORKFLOW_RUN_ID) == (None, "jr_1", "w", "")
    # No prefix matching: --conf is Glue's, never an abbreviation of --config.
    assert args.glue_conf == "x=y" and args.glue_mode == ""


def test_job_log_prefixes_each_line_with_the_job() -> None:
    out, err = io.StringIO(), io.StringIO()
    log = sfetl_glue_job.JobLog("bootstrap", out, err)
    log.info("downloading")
    log.error("failed: do this")
    assert (out.getvalue(), err.getvalue()) == ("bootstrap: downloading\n", "bootstrap: failed: do this\n")


def test_both_scripts_use_the_shared_helpers_not_copies() -> None:
    for script in (bootstrap, submit_emr_step):
        assert script.one_line is sfetl_glue_job.one_line
        assert script.split_objects is sfetl_glue_job.split_objects
        assert script.RUN_ID_PROPERTY == "sfetl_run_id"
        assert script.job_argument_parser is sfetl_glue_job.job_argument_parser
    assert bootstrap.str_to_bool is sfetl_glue_job.str_to_bool


@pytest.mark.parametrize("script", ["bootstrap.py", "submit_emr_step.py"])
def test_a_script_runs_with_the_shared_module_on_the_python_path_only(script: str, tmp_path: Path) -> None:
    """Glue downloads the script and puts the --extra-py-files on the Python path: two different places."""
    job, library = tmp_path / "job", tmp_path / "library"
    job.mkdir()
    library.mkdir()
    shutil.copy(GLUE_SCRIPTS / script, job / script)
    without = subprocess.run([sys.executable, str(job / script), "--help"], capture_output=True, text=True)
    assert without.returncode != 0 and "No module named 'sfetl_glue_job'" in without.stderr
    shutil.copy(GLUE_SCRIPTS / "sfetl_glue_job.py", library / "sfetl_glue_job.py")
    done = subprocess.run(
        [sys.executable, str(job / script), "--help"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(library), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert f"usage: {script}" in done.stdout
