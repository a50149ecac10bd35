"""Glue Python-shell entry point of the "publish" job: runs emr/log_to_hive.py as an EMR step and waits, see docs/glue.md.

Glue 3.0 Python shell (Python 3.9, stdlib + boto3).

- Cluster: ``--cluster-id j-…``, or the one active cluster tagged ``--cluster-tag key=value``, or (neither
  given) a transient cluster made by RunJobFlow with the Glue Data Catalog as Hive and Spark metastore, the
  step in it, and auto-termination once the step is done.
- Step: ``command-runner.jar`` running ``spark-submit --deploy-mode cluster <--script-s3-uri> --database …
  --logs … --mode full|incremental [--object X]… [--warehouse …]`` (emr/log_to_hive.py's own arguments; the job
  takes the mode as ``--publish-mode``, because ``--mode`` is Glue's). The step's name carries the run id the load
  job wrote to the workflow run properties.
- Waits with growing intervals until the step ends; a failed, cancelled or interrupted step prints where its
  logs are and the tail of its stderr, and fails the job. When the cluster itself ended (a transient cluster that
  did not start, a cluster terminated under the step), the job's last line is the cluster's reason instead.
- A failed AWS call ends the job with one line that names the call and what to check, never a traceback.
- With ``--queue-uri s3://<log bucket>/<state prefix>publish/`` a request that arrives while another publish runs
  waits for the next run instead of failing, and that one run covers every request that arrived meanwhile
  (publish_queue.py, shipped with ``--extra-py-files``; docs/publish.md#concurrent-publish-requests).

Everything above ``main`` takes its clients, sleep and clock as arguments; nothing runs at import time.
"""

import argparse
import gzip
import sys
import time
from typing import IO, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

# Shipped beside this script with --extra-py-files (docs/glue.md); here, the file next to it.
from sfetl_glue_job import RUN_ID_PROPERTY, JobLog, job_argument_parser, parse_job_arguments
from sfetl_glue_job import one_line, split_objects

DEFAULT_RELEASE_LABEL = "emr-7.14.0"
ACTIVE_CLUSTER_STATES = ("STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING")
DONE_STEP_STATES = ("COMPLETED", "FAILED", "CANCELLED", "INTERRUPTED")
GLUE_CATALOG_FACTORY = "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory"
MODES = ("full", "incremental")
#: Cluster states after which no step runs any more.
ENDED_CLUSTER_STATES = ("TERMINATING", "TERMINATED", "TERMINATED_WITH_ERRORS")
#: Status.StateChangeReason codes of a cluster that the step itself ended (TERMINATE_CLUSTER, auto-termination).
STEP_CAUSED_CLUSTER_ENDS = ("STEP_FAILURE", "ALL_STEPS_COMPLETED")
STDERR_TAIL_LINES = 40


class SubmitError(Exception):
    """Stops the job; the message is the one line that says what to do."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class StepResult(NamedTuple):
    cluster_id: str
    step_id: str
    state: str
    failure: Dict[str, str]


# ---------------------------------------------------------------------------------------------- arguments


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The job's arguments. Glue's own (--JOB_ID, --TempDir, --scriptLocation, --conf, --debug, --mode, …) are
    accepted and ignored; no argument is matched by a prefix (allow_abbrev=False)."""
    parser = job_argument_parser("submit_emr_step.py")
    step = parser.add_argument_group("the step (emr/log_to_hive.py)")
    step.add_argument("--script-s3-uri", required=True, help="s3:// path of log_to_hive.py")
    step.add_argument("--logs", required=True, help="s3://<log bucket>/<prefix>: the root of success/ and failure/")
    step.add_argument("--database", required=True, help="Hive database (Glue Data Catalog) of the tables")
    step.add_argument("--publish-mode", choices=MODES, default="full", help="log_to_hive.py's --mode (full)")
    step.add_argument("--objects", default="", help="comma-separated sObject names (default: every object in the logs)")
    step.add_argument("--warehouse", default="", help="location for the database when the job creates it")
    step.add_argument("--run-id", default="", help="run id for the step's name (default: the workflow run property)")
    cluster = parser.add_argument_group("the cluster")
    cluster.add_argument("--cluster-id", default="", help="an existing cluster")
    cluster.add_argument("--cluster-tag", default="", help="key=value: the one active cluster with this tag")
    transient = parser.add_argument_group("a transient cluster (neither --cluster-id nor --cluster-tag)")
    transient.add_argument("--release-label", default=DEFAULT_RELEASE_LABEL)
    transient.add_argument("--cluster-name", default="sfetl-publish")
    transient.add_argument("--log-uri", default="", help="s3:// prefix for the cluster's logs (strongly advised)")
    transient.add_argument("--instance-type", default="m5.xlarge")
    transient.add_argument("--core-instance-count", type=int, default=2)
    transient.add_argument("--subnet-id", default="")
    transient.add_argument("--service-role", default="EMR_DefaultRole")
    transient.add_argument("--job-flow-role", default="EMR_EC2_DefaultRole")
    wait = parser.add_argument_group("waiting")
    wait.add_argument("--poll-seconds", type=float, default=15.0, help="first wait between checks; doubles up to 60 s")
    wait.add_argument("--timeout-minutes", type=float, default=0.0, help="give up waiting after this (0: never)")
    queue = parser.add_argument_group("coalescing concurrent requests (publish_queue.py)")
    queue.add_argument("--queue-uri", default="", help="s3://bucket/prefix/ of the publish queue (default: no queue)")
    queue.add_argument("--lease-minutes", type=float, default=10.0, help="the running publish's lease, renewed")
    queue.add_argument("--queue-poll-seconds", type=float, default=20.0, help="how often a waiting request looks")
    return parse_job_arguments(parser, argv)


def parse_tag(text: str) -> Tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise SubmitError(f"--cluster-tag must be key=value, got {text!r}")
    return key, value


# ------------------------------------------------------------------------------------------------ run id


def read_run_id(glue, workflow_name: str, workflow_run_id: str) -> Optional[str]:
    """The run id the load job of this workflow run recorded (bootstrap.py), or None."""
    if not workflow_name or not workflow_run_id:
        return None
    properties = glue.get_workflow_run_properties(Name=workflow_name, RunId=workflow_run_id).get("RunProperties") or {}
    return properties.get(RUN_ID_PROPERTY) or None


# ------------------------------------------------------------------------------------------- step, cluster


def spark_submit_args(
    script_s3_uri: str, database: str, logs: str, mode: str, objects: Sequence[str], warehouse: str = ""
) -> List[str]:
    """command-runner.jar's arguments: spark-submit in cluster mode with log_to_hive.py's own arguments."""
    args = ["spark-submit", "--deploy-mode", "cluster", script_s3_uri, "--database", database, "--logs", logs]
    args += ["--mode", mode]
    for name in objects:
        args += ["--object", name]
    if warehouse:
        args += ["--warehouse", warehouse]
    return args


def step_definition(name: str, args: Sequence[str], action_on_failure: str) -> Dict:
    return {
        "Name": name,
        "ActionOnFailure": action_on_failure,
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": list(args)},
    }


def glue_catalog_configurations() -> List[Dict]:
    """Hive and Spark SQL use the Glue Data Catalog as their metastore."""
    properties = {"hive.metastore.client.factory.class": GLUE_CATALOG_FACTORY}
    return [
        {"Classification": "hive-site", "Properties": dict(properties)},
        {"Classification": "spark-hive-site", "Properties": dict(properties)},
    ]


def transient_cluster_request(args: argparse.Namespace, step: Dict) -> Dict:
    """RunJobFlow for a cluster that runs the one step and terminates (also when the step fails)."""
    instances: Dict = {
        "InstanceGroups": [
            {"Name": "primary", "InstanceRole": "MASTER", "InstanceType": args.instance_type, "InstanceCount": 1},
            {
                "Name": "core",
                "InstanceRole": "CORE",
                "InstanceType": args.instance_type,
                "InstanceCount": args.core_instance_count,
            },
        ],
        "KeepJobFlowAliveWhenNoSteps": False,
        "TerminationProtected": False,
    }
    if args.subnet_id:
        instances["Ec2SubnetId"] = args.subnet_id
    request = {
        "Name": args.cluster_name,
        "ReleaseLabel": args.release_label,
        "Applications": [{"Name": "Spark"}, {"Name": "Hive"}],
        "Configurations": glue_catalog_configurations(),
        "Instances": instances,
        "Steps": [step],
        "JobFlowRole": args.job_flow_role,
        "ServiceRole": args.service_role,
        "VisibleToAllUsers": True,
        "Tags": [{"Key": "sfetl:purpose", "Value": "publish"}],
    }
    if args.log_uri:
        request["LogUri"] = args.log_uri
    return request


def find_cluster_by_tag(emr, key: str, value: str) -> str:
    """The id of the one active cluster tagged key=value."""
    matches = []
    for page in emr.get_paginator("list_clusters").paginate(ClusterStates=list(ACTIVE_CLUSTER_STATES)):
        for summary in page.get("Clusters", []):
            tags = emr.describe_cluster(ClusterId=summary["Id"])["Cluster"].get("Tags", [])
            if any(tag.get("Key") == key and tag.get("Value") == value for tag in tags):
                matches.append(summary["Id"])
    if not matches:
        raise SubmitError(
            f"no active EMR cluster is tagged {key}={value}: start one, pass --cluster-id, or leave both out for a "
            "transient cluster"
        )
    if len(matches) > 1:
        raise SubmitError(f"{len(matches)} active EMR clusters are tagged {key}={value} ({', '.join(matches)}): pass --cluster-id")
    return matches[0]


def require_active_cluster(emr, cluster_id: str) -> None:
    """Refuses a --cluster-id that no step would run on (terminated, or terminating)."""
    state = (emr.describe_cluster(ClusterId=cluster_id)["Cluster"].get("Status") or {}).get("State", "")
    if state not in ACTIVE_CLUSTER_STATES:
        raise SubmitError(
            f"EMR cluster {cluster_id} (--cluster-id) is {state or 'in no known state'}, so no step can run on it: "
            "pass the id of a running cluster, or leave --cluster-id out for a transient cluster"
        )


def submit(
    emr,
    args: argparse.Namespace,
    run_id: Optional[str],
    log: Callable[[str], None],
    mode: Optional[str] = None,
    objects: Optional[Sequence[str]] = None,
    covers: str = "",
) -> Tuple[str, str]:
    """Adds the step to an existing cluster, or starts a transient cluster with it; returns (cluster id, step id).

    ``mode`` and ``objects`` default to the job's arguments; a coalesced run passes its batch's (``covers``
    names its tickets in the step's name)."""
    objects = split_objects(args.objects) if objects is None else list(objects)
    mode = mode or args.publish_mode
    step_args = spark_submit_args(args.script_s3_uri, args.database, args.logs, mode, objects, args.warehouse)
    name = f"sfetl publish {mode}" + (f" run {run_id}" if run_id else "") + (f" {covers}" if covers else "")
    cluster_id = args.cluster_id
    if cluster_id:
        require_active_cluster(emr, cluster_id)
    elif args.cluster_tag:
        cluster_id = find_cluster_by_tag(emr, *parse_tag(args.cluster_tag))
    if cluster_id:
        # A shared cluster keeps running whatever this step does.
        step = step_definition(name, step_args, "CONTINUE")
        step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[step])["StepIds"][0]
        log(f"step {step_id} added to cluster {cluster_id}: {' '.join(step_args)}")
        return cluster_id, step_id
    step = step_definition(name, step_args, "TERMINATE_CLUSTER")
    cluster_id = emr.run_job_flow(**transient_cluster_request(args, step))["JobFlowId"]
    steps = emr.list_steps(ClusterId=cluster_id)["Steps"]
    step_id = next(s["Id"] for s in steps if s["Name"] == name)
    log(f"transient cluster {cluster_id} ({args.release_label}) started with step {step_id}: {' '.join(step_args)}")
    return cluster_id, step_id


def wait_for_step(
    emr,
    cluster_id: str,
    step_id: str,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    first_interval: float = 15.0,
    max_interval: float = 60.0,
    timeout_seconds: float = 0.0,
    log: Callable[[str], None] = lambda line: None,
) -> StepResult:
    """Polls describe_step with doubling intervals until the step ends (or ``timeout_seconds``, if > 0)."""
    started = clock()
    interval = first_interval
    last_state = ""
    while True:
        status = emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]["Status"]
        state = status["State"]
        if state != last_state:
            log(f"step {step_id}: {state}")
            last_state = state
        if state in DONE_STEP_STATES:
            return StepResult(cluster_id, step_id, state, dict(status.get("FailureDetails") or {}))
        if timeout_seconds > 0 and clock() - started >= timeout_seconds:
            raise SubmitError(
                f"step {step_id} on cluster {cluster_id} is still {state} after {timeout_seconds / 60:.0f} min: it keeps "
                "running; follow it in the EMR console, or raise --timeout-minutes"
            )
        sleep(interval)
        interval = min(interval * 2, max_interval)


def step_log_location(cluster: Dict, step_id: str) -> Optional[str]:
    """s3://…/<cluster id>/steps/<step id>/ when the cluster (DescribeCluster's Cluster) writes its logs to S3
    (LogUri), else None."""
    log_uri = cluster.get("LogUri") or ""
    if not log_uri:
        return None
    if log_uri.startswith("s3n://"):
        log_uri = "s3://" + log_uri[len("s3n://") :]
    return f"{log_uri.rstrip('/')}/{cluster['Id']}/steps/{step_id}/"


def cluster_end(cluster: Dict) -> Optional[str]:
    """``<state> (<code>: <message>)`` when the cluster ended on its own account (it did not start, lost its nodes,
    was terminated) rather than because of the step; else None."""
    status = cluster.get("Status") or {}
    state = status.get("State", "")
    reason = status.get("StateChangeReason") or {}
    if state not in ENDED_CLUSTER_STATES or reason.get("Code") in STEP_CAUSED_CLUSTER_ENDS:
        return None
    return f"{state} ({reason.get('Code', 'no code')}: {one_line(reason.get('Message', 'no message'))})"


def read_stderr_tail(
    s3,
    steps_prefix: str,
    lines: int = STDERR_TAIL_LINES,
    attempts: int = 6,
    sleep: Callable[[float], None] = time.sleep,
) -> Optional[List[str]]:
    """The last lines of the step's stderr.gz; EMR uploads step logs every few minutes, so it is retried."""
    bucket, _, prefix = steps_prefix[len("s3://") :].partition("/")
    key = f"{prefix}stderr.gz"
    for attempt in range(attempts):
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as error:  # botocore ClientError (NoSuchKey) until EMR has uploaded the file
            code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
            if code not in ("NoSuchKey", "404", "NotFound"):
                raise
            if attempt + 1 < attempts:
                sleep(30)
            continue
        text = gzip.decompress(body).decode("utf-8", "replace")
        return text.splitlines()[-lines:]
    return None


def report_failure(emr, s3, result: StepResult, out: IO[str], sleep: Callable[[float], None] = time.sleep) -> str:
    """Prints where the failed step's logs are and the tail of its stderr; returns the job's last line. When the
    cluster itself ended (not because of the step), that line is the cluster's reason and no step log is read."""
    from botocore.exceptions import ClientError  # with boto3 (Glue's); importing this module needs neither

    details = result.failure
    if details:
        out.write(f"step {result.step_id} {result.state}: {details.get('Reason', '')} {details.get('Message', '')}\n")
    cluster = emr.describe_cluster(ClusterId=result.cluster_id)["Cluster"]
    ended = cluster_end(cluster)
    if ended is not None:
        # The step never ran, or was cut off: its logs would not say why, and waiting for them takes minutes.
        out.flush()
        if "ReadyDateTime" not in ((cluster.get("Status") or {}).get("Timeline") or {}):
            return (
                f"the EMR cluster {result.cluster_id} did not start: it ended {ended}, so the publish step "
                f"{result.step_id} ended {result.state} without running: fix that cause (for a transient cluster: "
                "--subnet-id, --instance-type, --service-role, --job-flow-role, the account's EC2 limits) and run "
                "the publish job again"
            )
        return (
            f"the EMR cluster {result.cluster_id} ended {ended} while the publish step {result.step_id} was on it "
            f"(the step ended {result.state}): fix that cause and run the publish job again (it overwrites the "
            "tables, so a rerun is safe)"
        )
    location = step_log_location(cluster, result.step_id)
    if location is None:
        out.write(f"cluster {result.cluster_id} has no LogUri: the step's logs are only on the cluster (EMR console)\n")
    else:
        out.write(f"step logs: {location} (stderr.gz, stdout.gz, controller.gz)\n")
        try:
            tail = read_stderr_tail(s3, location, sleep=sleep)
        except ClientError as error:
            out.write(
                f"could not read {location}stderr.gz ({error.response.get('Error', {}).get('Code', '?')}): the job "
                "role needs s3:GetObject there (and kms:Decrypt with a KMS key)\n"
            )
        else:
            if tail is None:
                out.write(f"{location}stderr.gz is not there yet: EMR uploads step logs every few minutes, look again\n")
            else:
                out.write(f"last {len(tail)} lines of {location}stderr.gz:\n")
                for line in tail:
                    out.write(f"  {line}\n")
    out.flush()
    where = location or f"cluster {result.cluster_id} in the EMR console"
    return (
        f"the publish step {result.step_id} ended {result.state}: read its stderr at {where} (in cluster mode the "
        "driver's own log is under containers/ of the same LogUri); fix the cause and run the publish job again "
        "(it overwrites the tables, so a rerun is safe)"
    )


# ------------------------------------------------------------------------------------------------- queue


def queued_request(
    args: argparse.Namespace, s3, run_step: Callable[..., str], sleep: Callable[[float], None] = time.sleep
) -> str:
    """The request through the publish queue: "" when the run that covered it succeeded, else the last line."""
    from publish_queue import PublishQueue, parse_s3_uri  # shipped with --extra-py-files

    try:
        bucket, prefix = parse_s3_uri(args.queue_uri)
    except ValueError as error:
        raise SubmitError(f"--queue-uri: {error}") from None
    holder = args.JOB_RUN_ID or ""
    queue = PublishQueue(
        s3, bucket, prefix, holder=holder, lease_seconds=args.lease_minutes * 60,
        poll_seconds=args.queue_poll_seconds, sleep=sleep, log=_LOG.info,
    )  # fmt: skip

    def publish(batch) -> Tuple[bool, str]:
        message = run_step(batch.mode, batch.objects, f"tickets {batch.first + 1}-{batch.last}")
        return not message, message

    outcome = queue.request(args.publish_mode, split_objects(args.objects), publish)
    covered = f"tickets {outcome.first + 1}-{outcome.last}"
    if outcome.ok:
        if not outcome.ran:
            _LOG.info(f"ticket {outcome.ticket}: published by {outcome.holder} ({covered}), which started after this request")
        return ""
    if outcome.ran:
        return outcome.message
    return (
        f"the publish that covered this request ({outcome.holder}, {covered}) failed: {outcome.message}"
    )


# -------------------------------------------------------------------------------------------------- main


_LOG = JobLog("submit_emr_step")


#: What to check when a call other than one on the cluster fails, by API operation.
CALL_HINTS = {
    "ListClusters": "the job role needs elasticmapreduce:ListClusters and DescribeCluster to find the cluster by "
    "--cluster-tag; or pass --cluster-id",
    "RunJobFlow": "check --release-label, --instance-type, --subnet-id, --service-role and --job-flow-role, and that "
    "the job role may call elasticmapreduce:RunJobFlow and pass both roles (iam:PassRole)",
    "GetWorkflowRunProperties": "check that the job role may call glue:GetWorkflowRunProperties on the workflow, or "
    "pass --run-id",
    "GetObject": "the publish queue (--queue-uri) needs s3:GetObject and s3:PutObject on its prefix, and the KMS key's "
    "kms:Decrypt, kms:GenerateDataKey",
    "PutObject": "the publish queue (--queue-uri) needs s3:GetObject and s3:PutObject on its prefix, and the KMS key's "
    "kms:Decrypt, kms:GenerateDataKey",
}
CLUSTER_CALLS = ("AddJobFlowSteps", "DescribeCluster", "DescribeStep", "ListSteps")


def client_error_line(error, args: argparse.Namespace) -> str:
    """The job's last line for a refused AWS call (botocore's ClientError): the call, AWS's answer, what to check."""
    operation = error.operation_name
    answer = error.response.get("Error", {})
    said = f"{answer.get('Code', '?')}: {one_line(answer.get('Message', ''))}"
    if operation in CLUSTER_CALLS:
        which = f"--cluster-id {args.cluster_id}" if args.cluster_id else "the cluster"
        hint = (
            f"check that {which} names a cluster of this account in the job's region and that the job role may call "
            f"elasticmapreduce:{operation} on it"
        )
    else:
        hint = CALL_HINTS.get(operation, f"check that the job role may call {operation}")
    return f"{operation} failed ({said}): {hint}; then run the publish job again"


def main(
    argv: Sequence[str],
    make_client: Optional[Callable[[str], object]] = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """The job: 0 when the step completed, else 1 after printing where its logs are. ``make_client`` builds
    the AWS clients by service name (default boto3.client, imported only here)."""
    # Part of boto3 (Glue's); imported here so that importing this module needs no AWS SDK.
    from botocore.exceptions import BotoCoreError, ClientError

    if make_client is None:
        import boto3

        make_client = boto3.client
    args = parse_args(argv)
    if args.glue_mode in MODES and args.glue_mode != args.publish_mode:
        _LOG.info(
            f"--mode {args.glue_mode} is ignored (a Glue-reserved argument): the publish mode is --publish-mode, "
            f"here {args.publish_mode}"
        )
    try:
        emr = make_client("emr")
        run_id = args.run_id or None
        if not run_id and args.WORKFLOW_NAME and args.WORKFLOW_RUN_ID:
            run_id = read_run_id(make_client("glue"), args.WORKFLOW_NAME, args.WORKFLOW_RUN_ID)

        def run_step(mode: Optional[str] = None, objects: Optional[Sequence[str]] = None, covers: str = "") -> str:
            """One step on the cluster: "" when it completed, else the job's last line."""
            cluster_id, step_id = submit(emr, args, run_id, _LOG.info, mode, objects, covers)
            result = wait_for_step(
                emr,
                cluster_id,
                step_id,
                sleep=sleep,
                clock=clock,
                first_interval=args.poll_seconds,
                timeout_seconds=args.timeout_minutes * 60,
                log=_LOG.info,
            )
            if result.state == "COMPLETED":
                _LOG.info(f"step {step_id} completed" + (f" (run {run_id})" if run_id else ""))
                return ""
            return report_failure(emr, make_client("s3"), result, sys.stdout, sleep)

        if args.queue_uri:
            message = queued_request(args, make_client("s3"), run_step, sleep)
        else:
            message = run_step()
        if not message:
            return 0
    except SubmitError as error:
        _LOG.error(str(error))
        return error.exit_code
    except ClientError as error:
        _LOG.error(client_error_line(error, args))
        return 1
    except BotoCoreError as error:  # no credentials, no region, endpoint not reachable
        _LOG.error(
            f"could not call AWS ({one_line(error)}): check the job's network access to EMR, Glue "
            "and S3 (VPC endpoints or NAT), its region and its credentials; then run the publish job again"
        )
        return 1
    _LOG.error(message)
    return 1


if __name__ == "__main__":
    exit_code = main(sys.argv[1:])
    if exit_code:
        raise SystemExit(exit_code)
