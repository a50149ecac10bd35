"""Publish requests that wait and coalesce instead of failing (docs/publish.md#concurrent-publish-requests).

Glue 3.0 Python shell (Python 3.9, stdlib; the S3 client is passed in). Shipped next to submit_emr_step.py with
``--extra-py-files``.

Every request takes a ticket in one JSON object in the log bucket's state prefix (``<prefix>queue.json``). The
object is only ever changed by S3 conditional writes: created with ``If-None-Match: *``, changed with
``If-Match: <etag>`` (compare-and-swap), as the loader's lease (src/pipeline/lease-lock.ts). The object holds:

- ``requested``: the last ticket handed out; ``pending``: each open ticket's mode and objects;
- ``running``: the one publish in progress — its holder, the tickets it covers ``(from, to]`` and a lease
  (``expiresAt``) that the holder renews while it runs, so a holder that died frees the queue by itself;
- ``done``: every ticket up to it has a result; ``results``: the last runs' ticket ranges and outcomes.

A request that finds no publish running starts one covering every open ticket (its own included); a request
that finds one running waits. When a run ends its holder records the outcome for the tickets it covered and
lets the lease go; a waiter whose ticket that run did not cover (it came later) then starts the next run,
which covers every ticket handed out meanwhile: however many requests arrive during a run, at most one more
run follows it. A request's outcome is the outcome of the first run that covers its ticket — a run that
started after the ticket was taken, so it read every log the request's load wrote.

Ordering comes from the ticket counter, never from clocks; only the lease's expiry compares clocks, as the
loader's does.
"""

import json
import os
import random
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Callable, Dict, NamedTuple, Optional, Sequence, Tuple

QUEUE_KEY = "queue.json"
QUEUE_VERSION = 1
#: Results kept in the queue object; a waiter finds its ticket's among them.
KEPT_RESULTS = 100
DEFAULT_LEASE_SECONDS = 600.0


class QueueError(Exception):
    """The queue object cannot be read or written (access denied, not JSON): the request fails."""


class Batch(NamedTuple):
    """What one run publishes: the tickets ``(first, last]`` it covers, merged into one mode and object list."""

    first: int
    last: int
    mode: str
    #: Empty: every object in the logs.
    objects: Tuple[str, ...]


class Outcome(NamedTuple):
    """A request's end: the run that covered its ticket, and whether it succeeded."""

    ticket: int
    ok: bool
    #: The run's holder (who ran it) and the tickets it covered.
    holder: str
    first: int
    last: int
    #: The run's own last line when it failed.
    message: str
    #: True when this request ran the publish itself.
    ran: bool


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def empty_state() -> Dict:
    return {"version": QUEUE_VERSION, "requested": 0, "done": 0, "pending": {}, "running": None, "results": []}


def merge_batch(state: Dict, first: int, last: int) -> Batch:
    """The run for tickets ``(first, last]``: full if any of them asked for full; every object if any asked for
    every object, else the union of the objects they named."""
    tickets = [state["pending"][str(t)] for t in range(first + 1, last + 1) if str(t) in state["pending"]]
    mode = "full" if any(t["mode"] == "full" for t in tickets) else "incremental"
    if not tickets or any(not t["objects"] for t in tickets):
        objects: Tuple[str, ...] = ()
    else:
        objects = tuple(sorted({o for t in tickets for o in t["objects"]}))
    return Batch(first, last, mode, objects)


def lease_expired(running: Optional[Dict], now: datetime) -> bool:
    return running is not None and _parse_iso(running["expiresAt"]) <= now


def result_for(state: Dict, ticket: int) -> Optional[Dict]:
    """The first recorded run that covered ``ticket``."""
    return next((r for r in state["results"] if r["first"] < ticket <= r["last"]), None)


class PublishQueue:
    """The queue object ``s3://<bucket>/<prefix>queue.json`` and one request's way through it."""

    def __init__(
        self,
        s3,
        bucket: str,
        prefix: str,
        holder: str = "",
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        poll_seconds: float = 15.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = _now,
        log: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.key = prefix + QUEUE_KEY
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}"
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.sleep = sleep
        self.clock = clock
        self.log = log

    # ------------------------------------------------------------------------------------- the object

    def read(self) -> Tuple[Dict, Optional[str]]:
        """The state and its ETag; an empty state and None when the object does not exist yet."""
        try:
            answer = self.s3.get_object(Bucket=self.bucket, Key=self.key)
        except Exception as error:  # botocore ClientError; this module imports no AWS SDK
            if _code(error) in ("NoSuchKey", "404", "NotFound"):
                return empty_state(), None
            raise
        try:
            state = json.loads(answer["Body"].read().decode("utf-8"))
        except ValueError:
            raise QueueError(f"s3://{self.bucket}/{self.key} is not JSON: delete it (no publish may be running)") from None
        if state.get("version") != QUEUE_VERSION:
            raise QueueError(f"s3://{self.bucket}/{self.key} has version {state.get('version')!r}, not {QUEUE_VERSION}")
        return state, answer["ETag"]

    def write(self, state: Dict, etag: Optional[str]) -> bool:
        """Compare-and-swap: False when someone else changed (or created) the object since ``etag`` was read."""
        condition = {"IfMatch": etag} if etag is not None else {"IfNoneMatch": "*"}
        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=self.key,
                Body=json.dumps(state, indent=1, sort_keys=True).encode("utf-8"),
                ContentType="application/json",
                **condition,
            )
        except Exception as error:
            # 412: the condition failed; 409: a concurrent conditional write won; 404: If-Match on a deleted key.
            if _code(error) in ("PreconditionFailed", "ConditionalRequestConflict", "412", "409", "NoSuchKey"):
                return False
            raise
        return True

    def change(self, update: Callable[[Dict], Optional[Dict]]) -> Dict:
        """Reads, applies ``update`` (None: nothing to write) and writes back until no one else wrote in between."""
        while True:
            state, etag = self.read()
            changed = update(json.loads(json.dumps(state)))
            if changed is None:
                return state
            if self.write(changed, etag):
                return changed
            self.sleep(random.uniform(0.05, 0.3))

    # ------------------------------------------------------------------------------------- the steps

    def _running(self, batch: Batch) -> Dict:
        now = self.clock()
        return {
            "holder": self.holder,
            "first": batch.first,
            "last": batch.last,
            "mode": batch.mode,
            "objects": list(batch.objects),
            "startedAt": _iso(now),
            "expiresAt": _iso(now + timedelta(seconds=self.lease_seconds)),
        }

    def take_ticket(self, mode: str, objects: Sequence[str]) -> Tuple[int, Optional[Batch]]:
        """Takes the next ticket; when no publish runs, also takes the lease for a run covering every open ticket."""
        taken: Dict = {}

        def update(state: Dict) -> Dict:
            ticket = state["requested"] + 1
            state["requested"] = ticket
            state["pending"][str(ticket)] = {"mode": mode, "objects": list(objects), "by": self.holder}
            taken.update(ticket=ticket, batch=None)
            running = state["running"]
            if running is None or lease_expired(running, self.clock()):
                batch = merge_batch(state, state["done"], ticket)
                state["running"] = self._running(batch)
                taken["batch"] = batch
            return state

        self.change(update)
        return taken["ticket"], taken["batch"]

    def take_over(self, ticket: int) -> Tuple[Optional[Dict], Optional[Batch]]:
        """A waiter's look at the queue: its ticket's result if there is one; else the lease for the next run when
        none runs (or its holder's lease expired)."""
        seen: Dict = {"result": None, "batch": None}

        def update(state: Dict) -> Optional[Dict]:
            seen["result"] = result_for(state, ticket)
            seen["batch"] = None
            if seen["result"] is None and ticket <= state["done"]:
                # Served, but more than KEPT_RESULTS runs ago: its outcome is gone, so it cannot pass as a success.
                seen["result"] = {"first": ticket - 1, "last": ticket, "ok": False, "holder": "unknown",
                                  "message": f"the outcome of ticket {ticket} is no longer recorded; publish again"}
            if seen["result"] is not None:
                return None
            running = state["running"]
            if running is not None and not lease_expired(running, self.clock()):
                return None
            if running is not None:
                self.log(f"the publish of {running['holder']} did not renew its lease: taking over")
            batch = merge_batch(state, state["done"], state["requested"])
            state["running"] = self._running(batch)
            seen["batch"] = batch
            return state

        self.change(update)
        return seen["result"], seen["batch"]

    def renew(self) -> bool:
        """Extends our lease; False when it is no longer ours."""
        held = {"ours": False}

        def update(state: Dict) -> Optional[Dict]:
            running = state["running"]
            held["ours"] = running is not None and running["holder"] == self.holder
            if not held["ours"]:
                return None
            running["expiresAt"] = _iso(self.clock() + timedelta(seconds=self.lease_seconds))
            return state

        self.change(update)
        return held["ours"]

    def finish(self, batch: Batch, ok: bool, message: str) -> None:
        """Records the run's outcome for its tickets and lets the lease go (if it is still ours)."""

        def update(state: Dict) -> Dict:
            state["results"].append(
                {
                    "first": batch.first,
                    "last": batch.last,
                    "mode": batch.mode,
                    "ok": ok,
                    "holder": self.holder,
                    "message": message,
                    "finishedAt": _iso(self.clock()),
                }
            )
            state["results"] = state["results"][-KEPT_RESULTS:]
            state["done"] = max(state["done"], batch.last)
            state["pending"] = {t: p for t, p in state["pending"].items() if int(t) > state["done"]}
            running = state["running"]
            if running is not None and running["holder"] == self.holder:
                state["running"] = None
            return state

        self.change(update)

    # ------------------------------------------------------------------------------------- a request

    def run_batch(self, batch: Batch, publish: Callable[[Batch], Tuple[bool, str]]) -> Tuple[bool, str]:
        """Runs ``publish`` under the lease, renewing it every third of its life, and records the outcome."""
        stop = threading.Event()

        def keep() -> None:
            while not stop.wait(self.lease_seconds / 3):
                try:
                    if not self.renew():
                        self.log("the publish lease was taken over (not renewed in time); the run goes on")
                        return
                except Exception as error:  # a failed renewal is retried at the next tick; expiry is the limit
                    self.log(f"could not renew the publish lease ({_code(error) or error}); retrying")

        renewer = threading.Thread(target=keep, name="publish-lease", daemon=True)
        renewer.start()
        self.log(
            f"publishing tickets {batch.first + 1}..{batch.last} ({batch.mode}"
            + (f", objects {','.join(batch.objects)}" if batch.objects else "")
            + ")"
        )
        try:
            ok, message = publish(batch)
        except BaseException as error:
            stop.set()
            self.finish(batch, False, f"the publish run crashed: {type(error).__name__}: {error}")
            raise
        stop.set()
        renewer.join()
        self.finish(batch, ok, message)
        return ok, message

    def request(
        self, mode: str, objects: Sequence[str], publish: Callable[[Batch], Tuple[bool, str]]
    ) -> Outcome:
        """One publish request: runs the publish itself, or waits for the run that covers it."""
        ticket, batch = self.take_ticket(mode, objects)
        if batch is None:
            self.log(f"ticket {ticket}: a publish is running; waiting for the next one, which will cover this request")
        while True:
            if batch is not None:
                ok, message = self.run_batch(batch, publish)
                if batch.first < ticket <= batch.last:
                    return Outcome(ticket, ok, self.holder, batch.first, batch.last, message, True)
            self.sleep(self.poll_seconds)
            result, batch = self.take_over(ticket)
            if result is not None:
                return Outcome(
                    ticket, result["ok"], result["holder"], result["first"], result["last"], result["message"], False
                )


def parse_s3_uri(uri: str) -> Tuple[str, str]:
    """``s3://bucket/prefix/`` → (bucket, prefix ending in "/" unless empty)."""
    if not uri.startswith("s3://"):
        raise ValueError(f"expected s3://bucket/prefix/, got {uri!r}")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"expected s3://bucket/prefix/, got {uri!r}")
    return bucket, (prefix if not prefix or prefix.endswith("/") else prefix + "/")


def _code(error: BaseException) -> str:
    response = getattr(error, "response", None) or {}
    error_info = response.get("Error", {}) if isinstance(response, dict) else {}
    code = str(error_info.get("Code", ""))
    status = (response.get("ResponseMetadata", {}) if isinstance(response, dict) else {}).get("HTTPStatusCode")
    return code or (str(status) if status else "")

