"""bootstrap.py runs the real runner from the bundle against the embedded default (``sfetl stack``), end to end:
the bundle comes from S3 (the stack's moto), the configuration too, the runner loads into the emulator, and its
exit code comes back through bootstrap as the job's outcome."""

import io
import signal
from typing import Dict, List

import pyarrow.parquet as pq
import pytest

import bootstrap
import submit_emr_step
from glue_test_support import Bundle, client, put_load


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One /tmp/sfetl-runner for the module, as on a Glue host that runs the job again."""
    return str(tmp_path_factory.mktemp("sfetl-runner"))


@pytest.fixture
def job_args(stack_bundle: str, runner_bundle: Bundle, cache_dir: str):
    def args(config: str, job_run_id: str, *extra: str) -> List[str]:
        # Glue's own arguments come first, as Glue passes them; --conf, --debug and --mode are internal to Glue.
        glue = ["--JOB_ID", "j_load", "--JOB_RUN_ID", job_run_id, "--JOB_NAME", "sfetl-load-qa", "--TempDir", "s3://t/"]
        glue += ["--conf", "spark.glue.internal=true", "--debug", "true", "--mode", "full"]
        ours = ["--env", "qa", "--config", config, "--objects", "Contact"]
        ours += ["--bundle-s3-uri", stack_bundle, "--bundle-sha256", runner_bundle.sha256, "--cache-dir", cache_dir]
        return glue + ours + list(extra)

    return args


def summary(events: List[Dict]) -> Dict:
    return [e for e in events if e.get("event") == "summary"][0]


def log_keys(stack: Dict, status: str, run_id: str) -> List[str]:
    s3 = client("s3", stack["aws"]["endpoint"])
    listing = s3.list_objects_v2(Bucket=stack["buckets"]["logs"], Prefix=f"{status}/Contact/run_id={run_id}/env=qa/")
    return [item["Key"] for item in listing.get("Contents", [])]


def logged_ids(stack: Dict, status: str, run_id: str) -> List[str]:
    """Ext_Id__c of every log row of one status and run (Parquet files read with pyarrow)."""
    s3 = client("s3", stack["aws"]["endpoint"])
    ids: List[str] = []
    for key in log_keys(stack, status, run_id):
        body = s3.get_object(Bucket=stack["buckets"]["logs"], Key=key)["Body"].read()
        ids += pq.read_table(io.BytesIO(body), columns=["Ext_Id__c"]).column(0).to_pylist()
    return ids


@pytest.mark.parametrize("mode", ["direct", "loader"])
def test_a_load_succeeds_end_to_end_and_the_job_succeeds(stack: Dict, job_args, run_bootstrap, mode: str) -> None:
    config = put_load(stack, f"ok-{mode}", rows=40, bad_every=10)
    job = run_bootstrap(job_args(config, f"jr_ok_{mode}", "--launch-mode", mode), stack["aws"]["endpoint"])
    assert job.wait() == 0, job.output()
    assert f"run id jr_ok_{mode} (job); glibc" in "".join(job.stdout) and f"launch mode {mode}" in "".join(job.stdout)
    result = summary(job.events())
    assert (result["runId"], result["rowsRead"], result["success"], result["failure"]) == (f"jr_ok_{mode}", 40, 36, 4)
    # DuckDB (native, from the bundle's node_modules) wrote the Parquet logs under the job's run id.
    assert [k for k in log_keys(stack, "success", f"jr_ok_{mode}") if k.endswith(".parquet")]
    assert [k for k in log_keys(stack, "failure", f"jr_ok_{mode}") if k.endswith(".parquet")]


def test_inside_a_workflow_run_the_job_records_its_run_id_and_the_runner_logs_under_it(
    stack: Dict, job_args, run_bootstrap
) -> None:
    glue = client("glue", stack["aws"]["endpoint"])
    glue.create_workflow(Name="sfetl-qa-load", DefaultRunProperties={"other": "kept"})
    run = glue.start_workflow_run(Name="sfetl-qa-load")["RunId"]
    config = put_load(stack, "workflow", rows=12, bad_every=4)
    # As Glue starts a job of a workflow run: WORKFLOW_NAME and WORKFLOW_RUN_ID next to its other arguments.
    args = job_args(config, "jr_in_workflow", "--WORKFLOW_NAME", "sfetl-qa-load", "--WORKFLOW_RUN_ID", run)
    job = run_bootstrap(args, stack["aws"]["endpoint"])
    assert job.wait() == 0, job.output()
    assert f"bootstrap: run id {run} (workflow); glibc" in "".join(job.stdout)
    # Written by the job itself, read back through moto's Glue: what the publish job of the same run reads.
    properties = glue.get_workflow_run_properties(Name="sfetl-qa-load", RunId=run)["RunProperties"]
    assert properties == {"other": "kept", bootstrap.RUN_ID_PROPERTY: run}
    assert submit_emr_step.read_run_id(glue, "sfetl-qa-load", run) == run
    result = summary(job.events())
    assert (result["runId"], result["success"], result["failure"]) == (run, 9, 3)
    assert [k for k in log_keys(stack, "success", run) if k.endswith(".parquet")]
    assert [k for k in log_keys(stack, "failure", run) if k.endswith(".parquet")]
    assert not log_keys(stack, "success", "jr_in_workflow")


@pytest.mark.parametrize("fail_on_threshold, job_exit", [("true", 2), ("false", 0)])
def test_a_failure_rate_above_the_threshold_fails_the_job_unless_configured_not_to(
    stack: Dict, job_args, run_bootstrap, fail_on_threshold: str, job_exit: int
) -> None:
    config = put_load(stack, f"bad-{fail_on_threshold}", rows=20, bad_every=2, limits={"failureRateThreshold": 0.1})
    args = job_args(config, f"jr_bad_{fail_on_threshold}", "--fail-on-threshold", fail_on_threshold)
    job = run_bootstrap(args, stack["aws"]["endpoint"])
    assert job.wait() == job_exit, job.output()
    assert summary(job.events())["failure"] == 10
    # A failing job ends its error output with bootstrap's line; a succeeding one its normal output.
    last_line = "".join(job.stderr if job_exit else job.stdout).rstrip().splitlines()[-1]
    assert last_line.startswith("bootstrap: sfetl load exited 2: loaded, but the failure rate is above the threshold")
    assert ("the job succeeds because --fail-on-threshold is false" in last_line) == (fail_on_threshold == "false")


def test_a_fatal_runner_error_fails_the_job_with_the_runners_reason(stack: Dict, job_args, run_bootstrap) -> None:
    config = put_load(stack, "fatal", rows=5)
    args = job_args(config, "jr_fatal")
    args[args.index("--objects") + 1] = "NoSuchObject"
    job = run_bootstrap(args, stack["aws"]["endpoint"])
    assert job.wait() == 1
    errors = "".join(job.stderr)
    assert "NoSuchObject" in errors
    assert errors.rstrip().splitlines()[-1].startswith("bootstrap: sfetl load exited 1 (fatal")


def test_sigterm_reaches_the_runner_which_saves_its_state_and_the_next_run_resumes(
    stack: Dict, job_args, run_bootstrap
) -> None:
    config = put_load(stack, "term", rows=2000, limits={"maxJobRows": 500, "leaseSeconds": 300})
    signalled: List[bool] = []

    def stop_after_first_closed_job(event: Dict, job) -> None:
        if not signalled and event.get("event") == "job-state" and event.get("state") == "UploadComplete":
            signalled.append(True)
            job.process.send_signal(signal.SIGTERM)  # to bootstrap only, as Glue stops the job's process

    first = run_bootstrap(job_args(config, "jr_term_1"), stack["aws"]["endpoint"], stop_after_first_closed_job)
    assert first.wait() == 1, first.output()
    assert signalled
    errors = "".join(first.stderr)
    assert "run stopped: received SIGTERM; the run's state is saved" in errors  # the runner's own line
    assert errors.rstrip().splitlines()[-1].startswith("bootstrap: sfetl load stopped on SIGTERM with its state saved")

    # A console rerun: a new JOB_RUN_ID, so a new run id; the file in progress resumes into the first run's logs.
    second = run_bootstrap(job_args(config, "jr_term_2"), stack["aws"]["endpoint"])
    assert second.wait() == 0, second.output()
    resumed = [e for e in second.events() if e.get("event") == "file-resumed"]
    assert [e["runId"] for e in resumed] == ["jr_term_1"]
    # Nothing lost, nothing doubled: every source row is in exactly one log row, all under the first run id.
    ids = logged_ids(stack, "success", "jr_term_1") + logged_ids(stack, "failure", "jr_term_1")
    assert len(ids) == 2000 and len(set(ids)) == 2000
    assert not log_keys(stack, "success", "jr_term_2") and not log_keys(stack, "failure", "jr_term_2")
