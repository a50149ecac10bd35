"""Log trees for the emr tests, read and written with pyarrow, independently of the job under test."""

from __future__ import annotations

import calendar
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import pyarrow as pa
import pyarrow.parquet as pq

STATUSES = ("success", "failure")
# What the table calls the runner's columns and a field that shares a name with one of its own columns.
RENAMED = {"sf__id": "sf_id", "sf__created": "sf_created", "sf__error": "sf_error", "sf__jobid": "sf_job_id"}
OWN_COLUMNS = {"sf_id", "sf_created", "sf_error", "sf_job_id", "status", "log_created_time", "env", "run_id"}


def table_column(field: str) -> str:
    lower = field.lower()
    if lower in RENAMED:
        return RENAMED[lower]
    return f"{lower}__field" if lower in OWN_COLUMNS else lower


def epoch(created_time: str) -> int:
    return calendar.timegm(time.strptime(created_time, "%Y%m%d%H%M%S"))


def log_files(root: Path, obj: str) -> List[Tuple[str, Dict[str, str], Path]]:
    """(status, {run_id, env, created_time}, file) of every Parquet file of ``obj`` under ``root``."""
    found = []
    for status in STATUSES:
        for path in sorted((root / status / obj).rglob("*.parquet")):
            values = dict(part.split("=", 1) for part in path.parent.relative_to(root / status / obj).parts)
            found.append((status, values, path))
    return found


def counts(root: Path, obj: str) -> Counter:
    """Rows by (env, run_id, status), from the files' own metadata."""
    result: Counter = Counter()
    for status, values, path in log_files(root, obj):
        result[(values["env"], values["run_id"], status)] += pq.ParquetFile(path).metadata.num_rows
    return result


def expected_rows(root: Path, obj: str, columns: Sequence[str]) -> Counter:
    """The table rows the files of ``obj`` must give, as a multiset of tuples in ``columns`` order.

    ``log_created_time`` is in epoch seconds (the directory's UTC time).
    """
    rows: Counter = Counter()
    for status, values, path in log_files(root, obj):
        for record in pq.ParquetFile(path).read().to_pylist():
            row: Dict[str, Optional[object]] = {table_column(k): v for k, v in record.items()}
            row.update(status=status, env=values["env"], run_id=values["run_id"])
            row["log_created_time"] = epoch(values["created_time"])
            rows[tuple(row.get(c) for c in columns)] += 1
    return rows


def table_rows(spark, table: str) -> Tuple[List[str], Counter]:
    """(columns, rows as a multiset of tuples) of a table, ``log_created_time`` in epoch seconds."""
    df = spark.table(table)
    columns = df.columns
    selected = [
        f"CAST(log_created_time AS BIGINT) AS log_created_time" if c == "log_created_time" else f"`{c}`"
        for c in columns
    ]
    return columns, Counter(tuple(r) for r in df.selectExpr(*selected).collect())


def write_log(
    root: Path,
    status: str,
    obj: str,
    run_id: str,
    env: str,
    created_time: str,
    columns: Dict[str, Sequence[Optional[str]]],
    name: str = "part-00000.parquet",
) -> Path:
    """One log file in the layout of DESIGN.md §2.1 (every column a string, as the runner writes them)."""
    directory = root / status / obj / f"run_id={run_id}" / f"env={env}" / f"created_time={created_time}"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    pq.write_table(pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()}), path)
    return path


def copy_runs(source: Path, target: Path, runs: Iterable[str]) -> None:
    """Copies the log directories of ``runs`` (every object, status and env) from one tree to another."""
    wanted = {f"run_id={r}" for r in runs}
    for status in STATUSES:
        for run_dir in (source / status).glob("*/run_id=*"):
            if run_dir.name in wanted:
                shutil.copytree(run_dir, target / run_dir.relative_to(source), dirs_exist_ok=True)


def tree_snapshot(directory: Path) -> Dict[str, Tuple[int, int]]:
    """Every file under ``directory`` with its size and modification time (ns)."""
    return {
        str(p.relative_to(directory)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }
