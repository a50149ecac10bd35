"""Publish speed: emr/log_to_hive.py (full) against the seed-style baseline on the same logs, and incremental
time as the history grows. Each measurement is a fresh process, as `sfetl publish` and spark-submit run it.

    .venv/bin/python emr/bench/publish_bench.py      (npm run bench:publish)

Settings (environment): BENCH_FULL_RUNS=20, BENCH_FULL_ROWS=50000 (rows per run and object, Contact and
Account), BENCH_INCR_RUNS=10,50,200, BENCH_INCR_ROWS=1000, BENCH_MASTER=local[2], BENCH_ROUNDS=2 (full mode
and the baseline alternate, one order per round). Prints one markdown row per
measurement and, at the end, one JSON line with every figure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
JOB = REPO / "emr" / "log_to_hive.py"
BASELINE = REPO / "emr" / "bench" / "seed_rewrite_baseline.py"
ENVS = ("dev", "qa", "uat", "prod")
MASTER = os.environ.get("BENCH_MASTER", "local[2]")


def write_run(root: Path, run: int, rows: int) -> None:
    """One run of Contact (12 fields) and Account (6 fields): a success file and a 1% failure file each."""
    env, created = ENVS[run % 4], f"2025{1 + run // 600 % 12:02d}{1 + run // 24 % 25:02d}{run % 24:02d}0000"
    fields = {
        "Contact": ["Ext_Id__c", "FirstName", "LastName", "Email", "Phone", "Title", "Birthdate", "LeadSource",
                    "MailingCity", "MailingCountry", "Description", "HasOptedOutOfEmail"],
        "Account": ["Ext_Id__c", "Name", "Industry", "BillingCity", "BillingCountry", "Description"],
    }  # fmt: skip
    failures = max(1, rows // 100)
    for obj, names in fields.items():
        for status, n in (("success", rows - failures), ("failure", failures)):
            ids = [f"{obj[0]}-{run:04d}-{i:07d}" for i in range(n)]
            columns = {name: [f"{name} {i % 997} of run {run}" for i in range(n)] for name in names[1:]}
            columns = {"Ext_Id__c": ids, **columns}
            if status == "success":
                columns.update(sf__Id=[f"003{run:05d}{i:010d}" for i in range(n)], sf__Created=["true"] * n)
            else:
                columns.update(sf__Id=[""] * n, sf__Error=["INVALID_EMAIL_ADDRESS:Email: invalid:--"] * n)
            columns["sf__JobId"] = [f"750{run:015d}"] * n
            directory = root / status / obj / f"run_id=run-{run:04d}" / f"env={env}" / f"created_time={created}"
            directory.mkdir(parents=True, exist_ok=True)
            table = pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()})
            pq.write_table(table, directory / "part-00000.parquet", compression="zstd")


def run(command, label: str) -> dict:
    started = time.monotonic()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"{label} exited {done.returncode}: {done.stderr[-3000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall": round(wall, 1), "report": report}


def ours(logs: Path, hive: Path, mode: str) -> dict:
    command = [PYTHON, str(JOB), "--logs", str(logs), "--database", "sfetl", "--mode", mode,
               "--local-hive-dir", str(hive), "--master", MASTER]  # fmt: skip
    return run(command, f"log_to_hive.py --mode {mode}")


def baseline(logs: Path, hive: Path) -> dict:
    return run([PYTHON, str(BASELINE), "--logs", str(logs), "--local-hive-dir", str(hive), "--master", MASTER], "baseline")


def steps(report: dict) -> str:
    totals: dict = dict(report.get("steps", {}))
    for table in report["tables"]:
        for step, seconds in table["steps"].items():
            totals[step] = totals.get(step, 0) + seconds
    return ", ".join(f"{k} {v:.1f}" for k, v in totals.items())


def main() -> None:
    full_runs = int(os.environ.get("BENCH_FULL_RUNS", "20"))
    full_rows = int(os.environ.get("BENCH_FULL_ROWS", "50000"))
    incr_runs = [int(r) for r in os.environ.get("BENCH_INCR_RUNS", "10,50,200").split(",")]
    incr_rows = int(os.environ.get("BENCH_INCR_ROWS", "1000"))
    figures: dict = {"master": MASTER, "full": {}, "incremental": {}}
    with tempfile.TemporaryDirectory(prefix="sfetl-bench-publish-") as work:
        work_dir = Path(work)
        logs = work_dir / "full-logs"
        for r in range(1, full_runs + 1):
            write_run(logs, r, full_rows)
        # Alternate the order between two rounds so a busy machine weighs on both alike.
        rounds = int(os.environ.get("BENCH_ROUNDS", "2"))
        for round_index, order in enumerate((("ours", "seed"), ("seed", "ours"))[:rounds]):
            for which in order:
                hive = work_dir / f"hive-{which}-{round_index}"
                m = ours(logs, hive, "full") if which == "ours" else baseline(logs, hive)
                job = m["report"]["seconds"]
                if which == "ours":
                    held = {t["table"].split(".")[1]: sum(c["rows"] for c in t["counts"]) for t in m["report"]["tables"]}
                else:
                    held = {t.split(".")[1]: n for t, n in m["report"]["tables"].items()}
                if held != {"account": full_runs * full_rows, "contact": full_runs * full_rows}:
                    raise RuntimeError(f"{which}: the tables hold {held} rows, not {full_runs * full_rows} each")
                figures["full"].setdefault(which, []).append({"wall": m["wall"], "job": job})
                extra = f" ({steps(m['report'])})" if which == "ours" else ""
                print(f"| full, {full_runs} runs × 2 objects × {full_rows:,} rows | {which} | {job:.1f} s{extra} | {m['wall']:.1f} s |", flush=True)
        for history in incr_runs:
            logs = work_dir / f"incr-{history}"
            hive = work_dir / f"hive-incr-{history}"
            for r in range(1, history):
                write_run(logs, r, incr_rows)
            ours(logs, hive, "full")
            write_run(logs, history, incr_rows)
            m = ours(logs, hive, "incremental")
            job = m["report"]["seconds"]
            figures["incremental"][history] = {"wall": m["wall"], "job": job, "steps": steps(m["report"])}
            print(f"| incremental, 1 new run over {history - 1} × 2 objects × {incr_rows:,} rows | ours | {job:.1f} s ({steps(m['report'])}) | {m['wall']:.1f} s |", flush=True)
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
