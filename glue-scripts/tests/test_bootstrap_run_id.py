"""Run id rules and the workflow run property (moto's Glue over HTTP); Glue-style arguments; exit-code mapping."""

import argparse
from pathlib import Path
from typing import Dict

import pytest
from botocore.exceptions import ClientError

import bootstrap
import submit_emr_step
from glue_test_support import client, closed_port_endpoint

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
    corrected = bootstrap.parse_args(["--env", "dev", "--skip-loaded-rows", "true", "--force", "false"])
    assert bootstrap.runner_arguments(corrected, "r") == [
        "load", "--env", "dev", "--output", "json", "--run-id", "r", "--skip-loaded-rows",
    ]  # fmt: skip
    # The CDK app's job passes --report true and --put-metrics true: after the load, the runner writes the run's
    # report and puts its metrics into CloudWatch.
    deployed = bootstrap.parse_args(["--env", "qa", "--report", "true", "--put-metrics", "true"])
    assert bootstrap.runner_arguments(deployed, "r") == [
        "load", "--env", "qa", "--output", "json", "--run-id", "r", "--report", "--put-metrics",
    ]  # fmt: skip
    # Glue passes a value with every argument; a bare flag works too.
    assert bootstrap.parse_args(["--probe", "true"]).probe and bootstrap.parse_args(["--probe"]).probe
    assert bootstrap.parse_args([]).fail_on_threshold is True
    with pytest.raises(SystemExit):
        bootstrap.parse_args(["--fail-on-threshold", "maybe"])


#: What Glue may add for itself: "--conf, --debug, --mode, --JOB_NAME: internal to AWS Glue, do not set".
GLUE_INTERNAL = ["--conf", "spark.glue.internal=true", "--debug", "true", "--mode", "incremental"]


def test_glues_internal_arguments_are_never_taken_for_the_jobs_own() -> None:
    ours = ["--env", "qa", "--objects", "Contact", "--bundle-s3-uri", "s3://a/b.zip", "--launch-mode", "loader"]
    for argv in (
        GLUE_RESERVED + GLUE_INTERNAL + ours,
        ours + GLUE_INTERNAL + GLUE_RESERVED,
        ["--conf=spark.glue.internal=true", "--debug", *ours, "--mode=full"],  # a bare flag, and name=value
    ):
        args = bootstrap.parse_args(argv)
        # `--conf` is not an abbreviation of `--config`; nothing else of ours moved.
        assert args.config is None, argv
        assert (args.env, args.bundle_s3_uri, args.launch_mode) == ("qa", "s3://a/b.zip", "loader")
        assert bootstrap.runner_arguments(args, "r") == [
            "load", "--env", "qa", "--output", "json", "--object", "Contact", "--run-id", "r",
        ]  # fmt: skip
    both = bootstrap.parse_args(["--conf", "spark.x=y", "--config", "s3://c/sfetl.yaml", "--JOB_NAME", "sfetl-load-qa"])
    assert (both.config, both.JOB_NAME) == ("s3://c/sfetl.yaml", "sfetl-load-qa")


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


class ReadOnlyGlue:
    """moto's Glue for reads; a job role without glue:PutWorkflowRunProperties for writes."""

    def __init__(self, glue) -> None:
        self.glue = glue

    def get_workflow_run_properties(self, **kwargs) -> Dict:
        return self.glue.get_workflow_run_properties(**kwargs)

    def put_workflow_run_properties(self, **_kwargs) -> Dict:
        raise ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "arn:aws:sts::1:assumed-role/load is not authorized"}},
            "PutWorkflowRunProperties",
        )


class FailingGlue:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def get_workflow_run_properties(self, **_kwargs) -> Dict:
        raise self.error


def test_a_run_property_the_job_role_may_not_write_stops_the_job_with_the_permission_to_add(glue) -> None:
    run = start_workflow(glue, "sfetl-dev", {})
    args = job_args("--WORKFLOW_NAME", "sfetl-dev", "--WORKFLOW_RUN_ID", run, "--JOB_RUN_ID", "jr_1")
    with pytest.raises(bootstrap.BootstrapError) as stopped:
        bootstrap.run_id_for_job(ReadOnlyGlue(glue), args)
    message = str(stopped.value)
    assert message.startswith(f"could not read or write the workflow run property sfetl_run_id of sfetl-dev run {run} ")
    assert "(PutWorkflowRunProperties: AccessDeniedException: arn:aws:sts::1:assumed-role/load is not" in message
    assert message.endswith("give the job role glue:GetWorkflowRunProperties and glue:PutWorkflowRunProperties on "
                            "workflow sfetl-dev, then run the job again")  # fmt: skip


def test_a_workflow_run_that_does_not_exist_stops_the_job_saying_so(glue) -> None:
    args = job_args("--WORKFLOW_NAME", "sfetl-gone", "--WORKFLOW_RUN_ID", "wr_gone", "--JOB_RUN_ID", "jr_1")
    with pytest.raises(bootstrap.BootstrapError, match=r"\(GetWorkflowRunProperties: EntityNotFoundException: .*\): the "
                       "workflow or its run does not exist"):  # fmt: skip
        bootstrap.run_id_for_job(glue, args)


@pytest.mark.parametrize(
    "error",
    [
        ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "GetWorkflowRunProperties"),
        KeyError("RunProperties"),
        TypeError("a bug in the job"),
    ],
    ids=["throttled", "key-error", "type-error"],
)
def test_other_errors_are_not_taken_for_a_missing_permission(error: Exception) -> None:
    args = job_args("--WORKFLOW_NAME", "sfetl-qa", "--WORKFLOW_RUN_ID", "wr_1", "--JOB_RUN_ID", "jr_1")
    with pytest.raises(type(error)) as raised:
        bootstrap.run_id_for_job(FailingGlue(error), args)
    assert raised.value is error


def test_an_aws_endpoint_out_of_reach_fails_the_job_with_one_line_and_no_traceback(run_bootstrap, tmp_path: Path) -> None:
    sha256 = "c" * 64
    bundle = tmp_path / sha256
    bundle.mkdir()
    (bundle / ".complete").write_text(sha256)  # unpacked by an earlier run: S3 is not asked, Glue is
    args = ["--env", "qa", "--bundle-s3-uri", "s3://a/b.zip", "--bundle-sha256", sha256, "--cache-dir", str(tmp_path)]
    args += GLUE_RESERVED + ["--WORKFLOW_NAME", "sfetl-qa", "--WORKFLOW_RUN_ID", "wr_1"]
    job = run_bootstrap(args, closed_port_endpoint(), env={"AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard"})
    assert job.wait() == 1
    errors = "".join(job.stderr).strip().splitlines()
    assert len(errors) == 1, errors
    assert errors[0].startswith("bootstrap: an AWS call failed before the runner started (Could not connect to the endpoint")
    assert errors[0].endswith("check the job's network access to S3 and Glue and its role's permissions, then run the "
                              "job again; nothing was loaded")  # fmt: skip


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
