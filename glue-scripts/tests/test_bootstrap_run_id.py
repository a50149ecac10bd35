"""Run id rules and the workflow run property (moto's Glue over HTTP); Glue-style arguments; exit-code mapping."""

import argparse
from typing import Dict

import pytest

import bootstrap
import submit_emr_step
from glue_test_support import client

GLUE_RESERVED = [
    "--JOB_ID", "j_0123", "--JOB_RUN_ID", "jr_abc", "--JOB_NAME", "sfetl-load-qa", "--TempDir", "s3://aws-glue-temporary/",
    "--scriptLocation", "s3://assets/bootstrap.py", "--job-bookmark-option", "job-bookmark-disable",
    "--job-language", "python", "--enable-metrics", "true",
]  # fmt: skip


def test_glue_arguments_are_parsed_and_its_reserved_ones_tolerated() -> None:
    args = bootstrap.parse_args(
        GLUE_RESERVED + ["--env", "prod", "--config", "s3://c/sfetl.yaml", "--objects", "Account, Contact,"]
        + ["--confirm-env", "prod", "--fail-on-threshold", "false", "--bundle-s3-uri", "s3://a/b.zip"]
    )
    assert (args.env, args.JOB_RUN_ID, args.fail_on_threshold, args.probe) == ("prod", "jr_abc", False, False)
    assert bootstrap.split_objects(args.objects) == ["Account", "Contact"]
    assert bootstrap.runner_arguments(args, "jr_abc") == [
        "load", "--env", "prod", "--output", "json", "--config", "s3://c/sfetl.yaml",
        "--object", "Account", "--object", "Contact", "--run-id", "jr_abc", "--confirm-env", "prod",
    ]  # fmt: skip
    # Glue passes a value with every argument; a bare flag works too.
    assert bootstrap.parse_args(["--probe", "true"]).probe and bootstrap.parse_args(["--probe"]).probe
    assert bootstrap.parse_args([]).fail_on_threshold is True
    with pytest.raises(SystemExit):
        bootstrap.parse_args(["--fail-on-threshold", "maybe"])


@pytest.mark.parametrize(
    "explicit, prop, workflow_run_id, job_run_id, expected",
    [
        ("backfill-7", "wr_x", "wr_x", "jr_1", ("backfill-7", "explicit")),
        ("", "chosen-at-start", "wr_x", "jr_1", ("chosen-at-start", "workflow-property")),
        ("", None, "wr_x", "jr_1", ("wr_x", "workflow")),
        ("", None, "", "jr_console_rerun", ("jr_console_rerun", "job")),
        ("", None, "", "", (None, "runner")),
    ],
    ids=["explicit", "workflow-property", "workflow", "console-rerun", "local"],
)
def test_run_id_resolution(explicit, prop, workflow_run_id, job_run_id, expected) -> None:
    assert tuple(bootstrap.resolve_run_id(explicit, prop, workflow_run_id, job_run_id)) == expected


@pytest.fixture
def glue(moto_endpoint: str):
    return client("glue", moto_endpoint)


def start_workflow(glue, name: str, properties: Dict[str, str]) -> str:
    glue.create_workflow(Name=name, DefaultRunProperties=properties)
    return glue.start_workflow_run(Name=name)["RunId"]


def job_args(*argv: str) -> argparse.Namespace:
    return bootstrap.parse_args(list(argv))


def test_in_a_workflow_the_run_id_is_the_workflow_run_id_and_the_publish_job_reads_it(glue) -> None:
    run = start_workflow(glue, "sfetl-qa", {"other": "kept"})
    args = job_args("--WORKFLOW_NAME", "sfetl-qa", "--WORKFLOW_RUN_ID", run, "--JOB_RUN_ID", "jr_load", "--env", "qa")
    assert bootstrap.run_id_for_job(glue, args) == bootstrap.RunId(run, "workflow")
    properties = bootstrap.get_workflow_run_properties(glue, "sfetl-qa", run)
    assert properties == {"other": "kept", bootstrap.RUN_ID_PROPERTY: run}
    # The publish job of the same workflow run reads the same id.
    assert submit_emr_step.read_run_id(glue, "sfetl-qa", run) == run
    assert submit_emr_step.RUN_ID_PROPERTY == bootstrap.RUN_ID_PROPERTY


def test_a_second_attempt_in_the_same_workflow_run_keeps_the_recorded_run_id(glue) -> None:
    run = start_workflow(glue, "sfetl-uat", {})
    first = job_args("--WORKFLOW_NAME", "sfetl-uat", "--WORKFLOW_RUN_ID", run, "--JOB_RUN_ID", "jr_1", "--run-id", "r-1")
    assert bootstrap.run_id_for_job(glue, first).value == "r-1"
    retry = job_args("--WORKFLOW_NAME", "sfetl-uat", "--WORKFLOW_RUN_ID", run, "--JOB_RUN_ID", "jr_1_attempt_1")
    assert bootstrap.run_id_for_job(glue, retry) == bootstrap.RunId("r-1", "workflow-property")
    assert submit_emr_step.read_run_id(glue, "sfetl-uat", run) == "r-1"


def test_a_run_id_given_when_the_workflow_is_started_is_used(glue) -> None:
    run = start_workflow(glue, "sfetl-prod", {bootstrap.RUN_ID_PROPERTY: "backfill-2026-11"})
    args = job_args("--WORKFLOW_NAME", "sfetl-prod", "--WORKFLOW_RUN_ID", run, "--JOB_RUN_ID", "jr_9")
    assert bootstrap.run_id_for_job(glue, args) == bootstrap.RunId("backfill-2026-11", "workflow-property")


def test_outside_a_workflow_glue_is_not_called_and_a_console_rerun_gets_its_job_run_id() -> None:
    assert bootstrap.run_id_for_job(None, job_args("--JOB_RUN_ID", "jr_rerun")) == bootstrap.RunId("jr_rerun", "job")
    assert submit_emr_step.read_run_id(None, "", "") is None


@pytest.mark.parametrize(
    "code, fail_on_threshold, exit_code, says",
    [
        (0, True, 0, None),
        (1, True, 1, "the runner's line above names the problem"),
        (2, True, 2, "failure rate is above the threshold"),
        (2, False, 0, "the job succeeds because --fail-on-threshold is false"),
        (3, True, 3, "do not rerun blindly"),
        (4, True, 4, "another run holds the lock"),
        (-9, True, 1, "killed by SIGKILL"),
    ],
)
def test_runner_exit_codes_map_to_the_job_outcome(code, fail_on_threshold, exit_code, says) -> None:
    result = bootstrap.outcome(code, fail_on_threshold)
    assert result.exit_code == exit_code
    assert (result.message is None) if says is None else (says in result.message and "\n" not in result.message)
