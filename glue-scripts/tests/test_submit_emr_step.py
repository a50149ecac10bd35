"""submit_emr_step.py: the step and the transient cluster against moto's EMR (over HTTP); waiting and failure at
the client seam with a scripted EMR client, because moto's steps never finish."""

import ast
import glob
import gzip
import importlib.util
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest
from botocore.exceptions import ClientError

import submit_emr_step
from glue_test_support import GLUE_SCRIPTS, REPO_ROOT, client, closed_port_endpoint, glue_environment

SCRIPT = "s3://sfetl-assets/emr/log_to_hive.py"
STEP_ARGS = [
    "--script-s3-uri", SCRIPT, "--logs", "s3://sfetl-logs/", "--database", "sfetl", "--publish-mode", "incremental",
    "--objects", "Account,Contact", "--warehouse", "s3://sfetl-hive/warehouse",
]  # fmt: skip
EXPECTED_ARGS = [
    "spark-submit", "--deploy-mode", "cluster", SCRIPT,
    "--database", "sfetl", "--logs", "s3://sfetl-logs/", "--mode", "incremental",
    "--object", "Account", "--object", "Contact", "--warehouse", "s3://sfetl-hive/warehouse",
]  # fmt: skip


@pytest.fixture
def emr(moto_endpoint: str):
    emr = client("emr", moto_endpoint)
    yield emr
    # Clusters outlive a test in the session's moto: end them so tag lookups see only their own test's.
    for page in emr.get_paginator("list_clusters").paginate(ClusterStates=list(submit_emr_step.ACTIVE_CLUSTER_STATES)):
        ids = [c["Id"] for c in page["Clusters"]]
        if ids:
            emr.terminate_job_flows(JobFlowIds=ids)


def long_running_cluster(emr, tags: List[Dict[str, str]]) -> str:
    return emr.run_job_flow(
        Name="shared",
        ReleaseLabel="emr-7.14.0",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
        Tags=tags,
    )["JobFlowId"]


def test_the_step_arguments_are_the_ones_log_to_hive_accepts() -> None:
    name = "log_to_hive_as_submitted"  # not emr/tests' own module name
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "emr" / "log_to_hive.py")
    log_to_hive = importlib.util.module_from_spec(spec)
    sys.modules[name] = log_to_hive  # dataclasses look their module up
    spec.loader.exec_module(log_to_hive)  # imports pyspark; starts nothing
    parsed = log_to_hive.parse_args(EXPECTED_ARGS[4:])
    assert (parsed.database, parsed.logs, parsed.mode, parsed.objects, parsed.warehouse) == (
        "sfetl", "s3://sfetl-logs/", "incremental", ["Account", "Contact"], "s3://sfetl-hive/warehouse",
    )  # fmt: skip


def test_an_existing_cluster_gets_the_spark_submit_step(emr) -> None:
    cluster = long_running_cluster(emr, [])
    args = submit_emr_step.parse_args(STEP_ARGS + ["--cluster-id", cluster, "--JOB_RUN_ID", "jr_p", "--TempDir", "s3://t"])
    cluster_id, step_id = submit_emr_step.submit(emr, args, "wr_123", print)
    step = emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]
    assert cluster_id == cluster
    assert step["Config"]["Jar"] == "command-runner.jar"
    assert step["Config"]["Args"] == EXPECTED_ARGS
    assert (step["Name"], step["ActionOnFailure"]) == ("sfetl publish incremental run wr_123", "CONTINUE")


def test_the_cluster_is_found_by_its_tag(emr) -> None:
    long_running_cluster(emr, [{"Key": "team", "Value": "crm"}])
    tagged = long_running_cluster(emr, [{"Key": "sfetl", "Value": "publish"}])
    args = submit_emr_step.parse_args(STEP_ARGS + ["--cluster-tag", "sfetl=publish"])
    cluster_id, step_id = submit_emr_step.submit(emr, args, None, print)
    assert cluster_id == tagged
    assert emr.describe_step(ClusterId=tagged, StepId=step_id)["Step"]["Config"]["Args"] == EXPECTED_ARGS
    with pytest.raises(submit_emr_step.SubmitError, match="no active EMR cluster is tagged sfetl=nobody"):
        submit_emr_step.submit(emr, submit_emr_step.parse_args(STEP_ARGS + ["--cluster-tag", "sfetl=nobody"]), None, print)
    long_running_cluster(emr, [{"Key": "sfetl", "Value": "publish"}])
    with pytest.raises(submit_emr_step.SubmitError, match="2 active EMR clusters are tagged sfetl=publish"):
        submit_emr_step.submit(emr, args, None, print)


def test_without_a_cluster_a_transient_one_runs_the_step_with_the_glue_catalog_and_terminates(emr) -> None:
    args = submit_emr_step.parse_args(
        STEP_ARGS + ["--log-uri", "s3://sfetl-logs-emr/", "--subnet-id", "subnet-1", "--core-instance-count", "3"]
    )
    cluster_id, step_id = submit_emr_step.submit(emr, args, "wr_9", print)
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["ReleaseLabel"] == submit_emr_step.DEFAULT_RELEASE_LABEL
    assert cluster["AutoTerminate"] is True and cluster["TerminationProtected"] is False
    assert cluster["LogUri"] == "s3://sfetl-logs-emr/"
    assert {a["Name"] for a in cluster["Applications"]} >= {"Spark", "Hive"}
    factory = {"hive.metastore.client.factory.class": submit_emr_step.GLUE_CATALOG_FACTORY}
    assert {c["Classification"]: c["Properties"] for c in cluster["Configurations"]} == {
        "hive-site": factory,
        "spark-hive-site": factory,
    }
    step = emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]
    assert step["Config"]["Args"] == EXPECTED_ARGS
    assert step["ActionOnFailure"] == "TERMINATE_CLUSTER"
    groups = emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
    assert sorted((g["InstanceGroupType"], g["RequestedInstanceCount"]) for g in groups) == [("CORE", 3), ("MASTER", 1)]


class ScriptedEmr:
    """An EMR client whose step goes through the given states, one per describe_step, on a cluster in
    ``cluster_status`` (DescribeCluster's Status; default WAITING)."""

    def __init__(
        self,
        states: List[str],
        failure: Optional[Dict] = None,
        log_uri: str = "",
        cluster_status: Optional[Dict] = None,
    ) -> None:
        self.states = list(states)
        self.failure = failure
        self.log_uri = log_uri
        self.cluster_status = cluster_status or {"State": "WAITING"}
        self.added: List[Dict] = []

    def add_job_flow_steps(self, JobFlowId: str, Steps: List[Dict]) -> Dict:
        self.added.append({"JobFlowId": JobFlowId, "Steps": Steps})
        return {"StepIds": ["s-STEP"]}

    def describe_step(self, ClusterId: str, StepId: str) -> Dict:
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        status: Dict = {"State": state}
        if state == "FAILED" and self.failure:
            status["FailureDetails"] = self.failure
        return {"Step": {"Id": StepId, "Status": status}}

    def describe_cluster(self, ClusterId: str) -> Dict:
        cluster = {"Id": ClusterId, "Status": self.cluster_status}
        return {"Cluster": {**cluster, "LogUri": self.log_uri} if self.log_uri else cluster}


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: List[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def test_waiting_backs_off_until_the_step_ends() -> None:
    emr = ScriptedEmr(["PENDING", "RUNNING", "RUNNING", "RUNNING", "RUNNING", "RUNNING", "COMPLETED"])
    time = FakeTime()
    seen: List[str] = []
    result = submit_emr_step.wait_for_step(emr, "j-1", "s-STEP", time.sleep, time.clock, log=seen.append)
    assert result.state == "COMPLETED"
    assert time.sleeps == [15, 30, 60, 60, 60, 60]
    assert seen == ["step s-STEP: PENDING", "step s-STEP: RUNNING", "step s-STEP: COMPLETED"]


def test_waiting_gives_up_after_the_timeout_and_says_the_step_keeps_running() -> None:
    time = FakeTime()
    with pytest.raises(submit_emr_step.SubmitError, match="still RUNNING after 2 min: it keeps running"):
        submit_emr_step.wait_for_step(ScriptedEmr(["RUNNING"]), "j-1", "s-1", time.sleep, time.clock, timeout_seconds=120)
    assert sum(time.sleeps) >= 120


@pytest.mark.parametrize("state", ["FAILED", "CANCELLED", "INTERRUPTED"])
def test_a_step_that_does_not_complete_fails_the_job_with_its_log_location_and_tail(
    moto_endpoint: str, capsys: pytest.CaptureFixture, state: str
) -> None:
    s3 = client("s3", moto_endpoint)
    s3.create_bucket(Bucket="emr-logs")
    stderr = "\n".join(f"line {i}" for i in range(100)) + "\nPublishError: no logs under s3://sfetl-logs/\n"
    s3.put_object(Bucket="emr-logs", Key="clusters/j-1/steps/s-STEP/stderr.gz", Body=gzip.compress(stderr.encode()))
    emr = ScriptedEmr(
        ["RUNNING", state],
        failure={"Reason": "Unknown Error.", "Message": "Step failed with exitCode 1."},
        log_uri="s3n://emr-logs/clusters/",
    )
    clients = {"emr": emr, "s3": s3}
    time = FakeTime()
    code = submit_emr_step.main(STEP_ARGS + ["--cluster-id", "j-1"], clients.__getitem__, time.sleep, time.clock)
    out, err = capsys.readouterr()
    assert code == 1
    assert "step logs: s3://emr-logs/clusters/j-1/steps/s-STEP/ (stderr.gz" in out
    assert "  PublishError: no logs under s3://sfetl-logs/\n" in out and "  line 99\n" in out and "  line 50\n" not in out
    assert (f"step s-STEP {state}: Unknown Error. Step failed with exitCode 1." in out) == (state == "FAILED")
    assert err.strip().splitlines()[-1].startswith(f"submit_emr_step: the publish step s-STEP ended {state}: read its stderr")
    assert emr.added[0]["Steps"][0]["HadoopJarStep"]["Args"] == EXPECTED_ARGS


def test_a_completed_step_succeeds_and_the_step_is_named_after_the_workflow_run_id(capsys) -> None:
    emr = ScriptedEmr(["PENDING", "COMPLETED"])

    class Glue:
        def get_workflow_run_properties(self, Name: str, RunId: str) -> Dict:
            assert (Name, RunId) == ("sfetl-qa", "wr_1")
            return {"RunProperties": {submit_emr_step.RUN_ID_PROPERTY: "wr_1"}}

    clients = {"emr": emr, "glue": Glue()}
    argv = STEP_ARGS + ["--cluster-id", "j-1", "--WORKFLOW_NAME", "sfetl-qa", "--WORKFLOW_RUN_ID", "wr_1"]
    time = FakeTime()
    assert submit_emr_step.main(argv, clients.__getitem__, time.sleep, time.clock) == 0
    assert emr.added[0]["Steps"][0]["Name"] == "sfetl publish incremental run wr_1"
    assert "step s-STEP completed (run wr_1)" in capsys.readouterr().out


def test_a_step_log_not_yet_uploaded_is_retried_then_reported_as_pending(moto_endpoint: str) -> None:
    s3 = client("s3", moto_endpoint)
    s3.create_bucket(Bucket="emr-logs-empty")
    result = submit_emr_step.StepResult("j-2", "s-2", "FAILED", {})
    out = io.StringIO()
    time = FakeTime()
    line = submit_emr_step.report_failure(ScriptedEmr(["FAILED"], log_uri="s3://emr-logs-empty/"), s3, result, out, time.sleep)
    assert "s3://emr-logs-empty/j-2/steps/s-2/stderr.gz is not there yet" in out.getvalue()
    assert time.sleeps == [30] * 5
    assert "read its stderr at s3://emr-logs-empty/j-2/steps/s-2/" in line


def test_a_cluster_without_log_uri_points_to_the_console() -> None:
    out = io.StringIO()
    result = submit_emr_step.StepResult("j-3", "s-3", "FAILED", {})
    line = submit_emr_step.report_failure(ScriptedEmr(["FAILED"]), None, result, out)
    assert "cluster j-3 has no LogUri" in out.getvalue() and "cluster j-3 in the EMR console" in line


#: What Glue may add for itself: "--conf, --debug, --mode, --JOB_NAME: internal to AWS Glue, do not set".
GLUE_ARGV = [
    "--JOB_ID", "j_pub", "--JOB_RUN_ID", "jr_pub", "--JOB_NAME", "sfetl-publish", "--TempDir", "s3://aws-glue-temporary/",
    "--scriptLocation", "s3://assets/submit_emr_step.py", "--job-bookmark-option", "job-bookmark-disable",
    "--conf", "spark.glue.internal=true", "--debug", "true", "--mode", "incremental",
]  # fmt: skip
STEP_ARGS_FULL = [a for a in STEP_ARGS if a not in ("--publish-mode", "incremental")]


def test_glues_internal_arguments_never_set_the_publish_mode(capsys: pytest.CaptureFixture) -> None:
    # Glue's --mode says nothing about the publish: the default stays full...
    args = submit_emr_step.parse_args(GLUE_ARGV + STEP_ARGS_FULL + ["--cluster-id", "j-1"])
    assert (args.publish_mode, args.JOB_NAME, args.cluster_id) == ("full", "sfetl-publish", "j-1")
    # ... and --publish-mode sets it, wherever Glue puts its own arguments.
    for argv in (GLUE_ARGV + STEP_ARGS, STEP_ARGS + GLUE_ARGV, ["--mode=full", "--debug", *STEP_ARGS, "--conf=x=y"]):
        assert submit_emr_step.parse_args(argv).publish_mode == "incremental", argv
    emr = ScriptedEmr(["COMPLETED"])
    time = FakeTime()
    assert submit_emr_step.main(GLUE_ARGV + STEP_ARGS_FULL + ["--cluster-id", "j-1"], {"emr": emr}.__getitem__,
                                time.sleep, time.clock) == 0  # fmt: skip
    step = emr.added[0]["Steps"][0]
    assert step["Name"] == "sfetl publish full"
    assert step["HadoopJarStep"]["Args"][step["HadoopJarStep"]["Args"].index("--mode") + 1] == "full"
    assert "--mode incremental is ignored (a Glue-reserved argument): the publish mode is --publish-mode, here full" in (
        capsys.readouterr().out
    )


def run_submit(argv: List[str], endpoint: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """``python submit_emr_step.py <argv>`` as Glue starts it, against ``endpoint``."""
    return subprocess.run(
        [sys.executable, str(GLUE_SCRIPTS / "submit_emr_step.py"), *argv],
        cwd=REPO_ROOT,
        env=glue_environment(endpoint, env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_unknown_cluster_id_fails_with_one_line_that_names_the_call(moto_endpoint: str) -> None:
    done = run_submit(GLUE_ARGV + STEP_ARGS + ["--cluster-id", "j-NOPE"], moto_endpoint)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "submit_emr_step: DescribeCluster failed (InvalidRequestException: Cluster id 'j-NOPE' is not valid.): check "
        "that --cluster-id j-NOPE names a cluster of this account in the job's region and that the job role may call "
        "elasticmapreduce:DescribeCluster on it; then run the publish job again"
    ]


def test_an_aws_endpoint_out_of_reach_fails_with_one_line() -> None:
    done = run_submit(STEP_ARGS + ["--cluster-id", "j-1"], closed_port_endpoint(), {"AWS_MAX_ATTEMPTS": "1"})
    assert done.returncode == 1
    errors = done.stderr.strip().splitlines()
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("submit_emr_step: could not call AWS (Could not connect to the endpoint URL")
    assert "check the job's network access to EMR, Glue and S3" in errors[0]


def test_a_cluster_id_of_a_terminated_cluster_is_refused(emr, capsys: pytest.CaptureFixture) -> None:
    cluster = long_running_cluster(emr, [])
    emr.terminate_job_flows(JobFlowIds=[cluster])
    state = emr.describe_cluster(ClusterId=cluster)["Cluster"]["Status"]["State"]
    assert state in submit_emr_step.ENDED_CLUSTER_STATES
    code = submit_emr_step.main(STEP_ARGS + ["--cluster-id", cluster], {"emr": emr}.__getitem__)
    assert code == 1
    assert capsys.readouterr().err.strip() == (
        f"submit_emr_step: EMR cluster {cluster} (--cluster-id) is {state}, so no step can run on it: pass the id of a "
        "running cluster, or leave --cluster-id out for a transient cluster"
    )
    assert emr.list_steps(ClusterId=cluster)["Steps"] == []


class TransientEmr(ScriptedEmr):
    """RunJobFlow and ListSteps too: the job starts its own cluster."""

    def run_job_flow(self, **request) -> Dict:
        self.added.append({"JobFlowId": "j-T", "Steps": request["Steps"]})
        return {"JobFlowId": "j-T"}

    def list_steps(self, ClusterId: str) -> Dict:
        return {"Steps": [{"Id": "s-STEP", "Name": self.added[0]["Steps"][0]["Name"]}]}


class NoStepLogs:
    def get_object(self, **_kwargs):
        raise AssertionError("a cluster that ended on its own is reported without reading step logs")


CREATED = {"CreationDateTime": "2026-11-22T08:00:00Z"}
READY = {**CREATED, "ReadyDateTime": "2026-11-22T08:07:00Z"}


@pytest.mark.parametrize(
    "step_state, status, says",
    [
        (
            "CANCELLED",
            {
                "State": "TERMINATED_WITH_ERRORS",
                "StateChangeReason": {"Code": "VALIDATION_ERROR", "Message": "The subnet subnet-1 does not exist."},
                "Timeline": CREATED,
            },
            "the EMR cluster j-T did not start: it ended TERMINATED_WITH_ERRORS (VALIDATION_ERROR: The subnet "
            "subnet-1 does not exist.), so the publish step s-STEP ended CANCELLED without running: fix that cause",
        ),
        (
            "CANCELLED",
            {
                "State": "TERMINATING",
                "StateChangeReason": {"Code": "BOOTSTRAP_FAILURE", "Message": "On the master instance, bootstrap failed"},
                "Timeline": CREATED,
            },
            "the EMR cluster j-T did not start: it ended TERMINATING (BOOTSTRAP_FAILURE: On the master instance, "
            "bootstrap failed)",
        ),
        (
            "INTERRUPTED",
            {
                "State": "TERMINATED_WITH_ERRORS",
                "StateChangeReason": {"Code": "INSTANCE_FAILURE", "Message": "The master node was terminated."},
                "Timeline": READY,
            },
            "the EMR cluster j-T ended TERMINATED_WITH_ERRORS (INSTANCE_FAILURE: The master node was terminated.) "
            "while the publish step s-STEP was on it (the step ended INTERRUPTED)",
        ),
    ],
    ids=["did-not-start", "bootstrap-failed", "lost-its-nodes"],
)
def test_a_cluster_that_ended_on_its_own_is_reported_by_its_reason_not_by_step_logs(
    capsys: pytest.CaptureFixture, step_state: str, status: Dict, says: str
) -> None:
    emr = TransientEmr(["PENDING", step_state], log_uri="s3://emr-logs/", cluster_status=status)
    time = FakeTime()
    code = submit_emr_step.main(STEP_ARGS + ["--subnet-id", "subnet-1"], {"emr": emr, "s3": NoStepLogs()}.__getitem__,
                                time.sleep, time.clock)  # fmt: skip
    assert code == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith(f"submit_emr_step: {says}"), errors
    assert "stderr" not in errors[0]
    assert time.sleeps == [15]  # one poll while PENDING; no waiting for step logs


def test_a_step_failure_that_terminated_the_transient_cluster_still_points_at_the_step_logs(
    moto_endpoint: str, capsys: pytest.CaptureFixture
) -> None:
    s3 = client("s3", moto_endpoint)
    s3.create_bucket(Bucket="emr-logs-transient")
    s3.put_object(Bucket="emr-logs-transient", Key="j-T/steps/s-STEP/stderr.gz", Body=gzip.compress(b"PublishError: x\n"))
    status = {
        "State": "TERMINATED_WITH_ERRORS",
        "StateChangeReason": {"Code": "STEP_FAILURE", "Message": "Shut down as step failed"},
        "Timeline": READY,
    }
    emr = TransientEmr(["RUNNING", "FAILED"], log_uri="s3://emr-logs-transient/", cluster_status=status)
    time = FakeTime()
    assert submit_emr_step.main(STEP_ARGS, {"emr": emr, "s3": s3}.__getitem__, time.sleep, time.clock) == 1
    out, err = capsys.readouterr()
    assert "  PublishError: x\n" in out
    assert err.strip().splitlines()[-1].startswith(
        "submit_emr_step: the publish step s-STEP ended FAILED: read its stderr at s3://emr-logs-transient/j-T/steps/s-STEP/"
    )


def test_step_logs_the_job_may_not_read_still_end_with_the_steps_failure() -> None:
    class DeniedS3:
        def get_object(self, **_kwargs):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "GetObject")

    out = io.StringIO()
    result = submit_emr_step.StepResult("j-4", "s-4", "FAILED", {})
    line = submit_emr_step.report_failure(ScriptedEmr(["FAILED"], log_uri="s3://emr-logs/"), DeniedS3(), result, out)
    assert "could not read s3://emr-logs/j-4/steps/s-4/stderr.gz (AccessDenied): the job role needs s3:GetObject" in (
        out.getvalue()
    )
    assert line.startswith("the publish step s-4 ended FAILED: read its stderr at s3://emr-logs/j-4/steps/s-4/")


PYTHON_39_CHECK = """
import sys
import bootstrap, submit_emr_step
assert sys.version_info[:2] == (3, 9), sys.version
assert "boto3" not in sys.modules, "importing the entry points must not import boto3"
args = bootstrap.parse_args(["--JOB_ID", "j", "--JOB_RUN_ID", "jr_1", "--env", "qa", "--fail-on-threshold", "false"])
assert bootstrap.run_id_for_job(None, args) == ("jr_1", "job")
assert bootstrap.choose_launch_mode(bootstrap.host_glibc_version()) in ("direct", "loader")
assert bootstrap.outcome(2, args.fail_on_threshold).exit_code == 0
step = submit_emr_step.parse_args(["--script-s3-uri", "s3://a/l.py", "--logs", "s3://l/", "--database", "d", "--TempDir", "x"])
assert submit_emr_step.spark_submit_args(step.script_s3_uri, step.database, step.logs, step.publish_mode, [])[0] == "spark-submit"
print("ok")
"""


def _python_39() -> Optional[str]:
    """A Python 3.9 interpreter (Glue 3.0's), when this machine has one (pyenv or the system's)."""
    candidates = [shutil.which("python3.9")] + sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.9*/bin/python3.9")))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 9))"], capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == "True":
            return candidate
    return None


def _annotations(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from (a.annotation for a in node.args.args + node.args.kwonlyargs if a.annotation is not None)
            if node.returns is not None:
                yield node.returns
        elif isinstance(node, ast.AnnAssign):
            yield node.annotation


def test_both_entry_points_are_python_3_9_and_import_without_side_effects() -> None:
    scripts = Path(submit_emr_step.__file__).parent
    for name in ("bootstrap.py", "submit_emr_step.py"):
        tree = ast.parse((scripts / name).read_text(), feature_version=(3, 9))
        # `X | None` annotations parse on 3.9 but raise TypeError when the function is defined.
        unions = [ast.unparse(a) for a in _annotations(tree) if any(isinstance(n, ast.BinOp) for n in ast.walk(a))]
        assert unions == [], f"{name}: use Optional/Union on Python 3.9: {unions}"
    # Under the real 3.9 when this machine has one (pyenv or python3.9 on PATH); the checks above run everywhere.
    python39 = _python_39()
    interpreter = python39 or sys.executable
    done = subprocess.run([interpreter, "-c", PYTHON_39_CHECK.replace("== (3, 9)", "== (3, 9)" if python39 else ">= (3, 9)")],
                          cwd=scripts, capture_output=True, text=True)  # fmt: skip
    assert done.stdout.strip() == "ok", done.stderr
