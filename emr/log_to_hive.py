"""Publishes sfetl's Parquet logs as one Hive table per Salesforce object (DESIGN.md §2.3, docs/publish.md).

Reads ``<logs>/success/<Object>/run_id=<r>/env=<e>/created_time=<t>/*.parquet`` and ``<logs>/failure/…`` and
writes ``<database>.<object lowercase>``: ``sf_id``, ``sf_created``, ``sf_error``, ``sf_job_id``, ``status``,
``log_created_time``, then the object's fields (strings, lower case), partitioned by ``env`` and ``run_id``.

- full (default): every partition is rewritten from its logs and partitions without logs are dropped, so
  the table equals its logs.
- incremental: only the partitions whose log files changed since the last publish (new runs, or a run that
  wrote more logs) are rewritten; the rest is left as it is. Both modes go through the same write (dynamic
  partition overwrite), so they give the same table.

On EMR: ``spark-submit log_to_hive.py --logs s3://<bucket>/<prefix> --database <db> --warehouse s3://…``
with the Glue Data Catalog as metastore. Locally (``sfetl publish``): ``python log_to_hive.py --local-hive-dir
.sfetl/hive --s3-endpoint http://127.0.0.1:<port> --jars …`` runs local Spark with a Derby metastore.

The report's row counts are read from each table after its write (``COUNT(*)`` by env, run and status) and
checked against the rows of the logs the table is made of; a table that holds other counts stops the job.

Everything above ``main`` is a function of its arguments; the SparkSession is made and I/O starts only when
the file runs as a script.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple
from urllib.parse import unquote

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

STATUSES = ("success", "failure")
MODES = ("full", "incremental")
#: Hive partition columns, in order. A run of one object in one env is the unit of change (see docs/publish.md).
PARTITION_COLUMNS = ("env", "run_id")
#: Data columns that every table starts with, in order; the object's fields follow them.
METADATA_COLUMNS = ("sf_id", "sf_created", "sf_error", "sf_job_id", "status", "log_created_time")
#: The runner's result columns (DESIGN.md §2.1), by lower-case name, and their table columns.
RESULT_COLUMNS = {"sf__id": "sf_id", "sf__created": "sf_created", "sf__error": "sf_error", "sf__jobid": "sf_job_id"}
#: The values a log file's path carries (Spark reads them as partition columns of the log tree).
_PATH_COLUMNS = ("run_id", "env", "created_time")
#: A field whose name is one of the table's own columns (``Status`` of Lead and Case) gets this suffix.
CLASH_SUFFIX = "__field"
#: Kept in the table's directory; Hive, Spark and Athena skip files whose names start with "_".
STATE_FILE = "_sfetl_publish_state.json"
STATE_VERSION = 1
#: Partition writers a write task keeps open before it sorts the rest of its rows (Spark's fallback).
CONCURRENT_WRITERS = 16

Partition = Tuple[str, str]
"""(env, run_id) of a table partition."""
RowCounts = Mapping[Tuple[str, str, str], int]
"""Rows by (env, run_id, status)."""

_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
_LOG_PATH = re.compile(
    rf"^(?P<status>success|failure)/(?P<object>{_SEGMENT})/run_id=(?P<run_id>{_SEGMENT})/env=(?P<env>{_SEGMENT})"
    r"/created_time=(?P<created_time>\d{14})/(?P<name>[^/]+)$"
)
_SPARK_READ_ERROR = re.compile(r"(?:reading file|for file:?|file path:?)\s*(\S+?\.parquet)\b", re.IGNORECASE)


# --- errors -------------------------------------------------------------------------------------------------


class PublishError(Exception):
    """Stops the job; its message is one line that says what is wrong and what to do."""


class LogLayoutError(PublishError):
    """A file under success/ or failure/ that is not where the log layout (DESIGN.md §2.1) puts logs."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}; only sfetl's logs belong under success/ and failure/, move it away")
        self.path = path


class LogFileError(PublishError):
    """A log file that cannot be read (corrupt, truncated, not Parquet, not strings, access denied)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"cannot read log file {path} ({reason}); "
            "restore it from the run's results or move it away, then publish again"
        )
        self.path = path


@dataclass(frozen=True)
class CountDifference:
    """Rows of one (env, run_id, status) that the logs and the table count differently."""

    env: str
    run_id: str
    status: str
    in_logs: int
    in_table: int


class CountMismatchError(PublishError):
    """After the publish, the table does not hold the rows of its logs.

    A write lost rows, or something else changed the table's files (deleted them, or added rows).
    """

    #: Differences named in the message; the rest are counted.
    SHOWN = 3

    def __init__(self, table: str, differences: Sequence[CountDifference]) -> None:
        shown = "; ".join(
            f"env={d.env} run_id={d.run_id} {d.status}: {d.in_table} in the table, {d.in_logs} in the logs"
            for d in differences[: self.SHOWN]
        )
        more = f"; {len(differences) - self.SHOWN} more" if len(differences) > self.SHOWN else ""
        super().__init__(
            f"table {table} does not hold the rows of its logs after the publish ({shown}{more}); "
            "publish again with --mode full to rewrite it from its logs, and if the counts still differ, "
            "check the table's storage location"
        )
        self.table = table
        self.differences = list(differences)


# --- discovery ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFile:
    """One Parquet file of the log layout, with the partition values its path carries."""

    path: str
    status: str
    object: str
    run_id: str
    env: str
    created_time: str
    name: str
    size: int

    @property
    def partition(self) -> Partition:
        return (self.env, self.run_id)

    @property
    def table(self) -> str:
        """The table name: the object's API name in lower case (Invoice__c → invoice__c)."""
        return self.object.lower()


def _is_hidden(relative: str) -> bool:
    """Spark and Hive skip names starting with "_" or "." (``_SUCCESS``, ``.crc`` files, staging dirs)."""
    return any(part.startswith(("_", ".")) for part in relative.split("/"))


def parse_log_path(relative: str, path: str, size: int) -> Optional[LogFile]:
    """The log file at ``relative`` (to the logs root), None for a hidden file; LogLayoutError otherwise."""
    if _is_hidden(relative):
        return None
    match = _LOG_PATH.match(relative)
    if match is None:
        raise LogLayoutError(
            path, "not in the log layout <status>/<Object>/run_id=<id>/env=<env>/created_time=<yyyyMMddHHmmss>/<file>"
        )
    if not match["name"].endswith(".parquet"):
        raise LogLayoutError(path, "not a .parquet file")
    try:
        datetime.strptime(match["created_time"], "%Y%m%d%H%M%S")
    except ValueError:
        raise LogLayoutError(path, f"created_time={match['created_time']} is not a valid UTC time") from None
    return LogFile(path=path, size=size, **match.groupdict())


def discover(
    listing: Iterable[Tuple[str, str, int]], objects: Optional[Sequence[str]] = None
) -> Dict[str, List[LogFile]]:
    """Log files by table name, each list sorted by time; ``listing`` holds (relative path, path, size).

    ``objects`` (API names, any case) keeps only those objects.
    """
    wanted = None if objects is None else {o.lower() for o in objects}
    tables: Dict[str, List[LogFile]] = {}
    for relative, path, size in listing:
        log = parse_log_path(relative, path, size)
        if log is None or (wanted is not None and log.table not in wanted):
            continue
        tables.setdefault(log.table, []).append(log)
    return {table: sorted(files, key=_chronological) for table, files in sorted(tables.items())}


def _chronological(log: LogFile) -> Tuple[str, str, str, int, str]:
    return (log.created_time, log.run_id, log.env, STATUSES.index(log.status), log.name)


def object_name(files: Sequence[LogFile]) -> str:
    """The object's API name as the latest logs spell it."""
    return files[-1].object


# --- columns ------------------------------------------------------------------------------------------------


def hive_column(field: str) -> str:
    """The table column of a log column: lower case; ``sf__Id`` → ``sf_id``; ``Status`` → ``status__field``.

    Hive column names are case-insensitive, so a field named like one of the table's own columns (Lead and
    Case have ``Status``) would collide with it; such a field gets CLASH_SUFFIX. A Salesforce field name
    never contains "__" except before its suffix (``__c``, ``__r``), so the result cannot be a real field.
    """
    lower = field.lower()
    if lower in RESULT_COLUMNS:
        return RESULT_COLUMNS[lower]
    if lower in METADATA_COLUMNS or lower in PARTITION_COLUMNS:
        return lower + CLASH_SUFFIX
    return lower


def plan_columns(
    existing: Optional[Sequence[str]], file_columns: Sequence[Sequence[str]]
) -> Tuple[List[str], List[str]]:
    """(the table's data columns, the ones to add); ``file_columns`` are the log files' columns, oldest first.

    A new table gets METADATA_COLUMNS, then the fields in the order they first appear. An existing table
    keeps its columns and gets new fields appended: ALTER TABLE ADD COLUMNS can only append, which is why
    the fixed columns come first — the order is then the same however the table was built (full or run by run).
    """
    columns = list(existing) if existing is not None else list(METADATA_COLUMNS)
    known = set(columns)
    added: List[str] = []
    for names in file_columns:
        for name in names:
            column = hive_column(name)
            if column not in known:
                known.add(column)
                columns.append(column)
                added.append(column)
    return columns, (added if existing is not None else [])


# --- what to write --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartitionState:
    """What the last publish wrote into one partition: a fingerprint of its log files and rows by status."""

    fingerprint: str
    rows: Mapping[str, int]
    #: Names and sizes of the table's own files in the partition after that publish (``table_fingerprints``);
    #: an incremental publish that finds them unchanged trusts ``rows`` without reading the files.
    table_files: str = ""


def fingerprint(files: Iterable[LogFile]) -> str:
    """Changes when a file of the partition is added, removed or rewritten with another size."""
    lines = sorted(f"{f.status}/{f.created_time}/{f.name}:{f.size}" for f in files)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:20]


def by_partition(files: Iterable[LogFile]) -> Dict[Partition, List[LogFile]]:
    groups: Dict[Partition, List[LogFile]] = {}
    for f in files:
        groups.setdefault(f.partition, []).append(f)
    return groups


def plan_partitions(
    mode: str,
    files: Sequence[LogFile],
    table_partitions: Optional[Set[Partition]],
    state: Mapping[Partition, PartitionState],
) -> Tuple[List[Partition], List[Partition]]:
    """(partitions to write, partitions to drop) for one table; ``table_partitions`` is None for a new table.

    Full writes every partition that has logs. Incremental writes those whose files differ from what the
    last publish recorded, or that are missing from the table. Both drop partitions that have no logs any more.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    present = table_partitions or set()
    groups = by_partition(files)
    write = []
    for partition, group in groups.items():
        recorded = state.get(partition)
        changed = recorded is None or recorded.fingerprint != fingerprint(group)
        missing = partition not in present and (recorded is None or sum(recorded.rows.values()) > 0)
        if mode == "full" or changed or missing:
            write.append(partition)
    drop = [p for p in present if p not in groups]
    return sorted(write), sorted(drop)


def table_fingerprints(listing: Iterable[Tuple[str, int]]) -> Dict[Partition, str]:
    """A fingerprint per partition of the table's files; ``listing`` holds (path relative to the table, size).

    Changes when a data file of the partition is added, removed or rewritten with another size. Hidden files
    (``_SUCCESS``, ``.crc``) and files outside ``env=…/run_id=…/`` are left out.
    """
    groups: Dict[Partition, List[str]] = {}
    for relative, size in listing:
        parts = relative.split("/")
        if len(parts) != 3 or _is_hidden(relative) or not parts[0].startswith("env=") or not parts[1].startswith("run_id="):
            continue
        groups.setdefault(parse_partition_spec(f"{parts[0]}/{parts[1]}"), []).append(f"{parts[2]}:{size}")
    return {p: hashlib.sha256("\n".join(sorted(names)).encode("utf-8")).hexdigest()[:20] for p, names in groups.items()}


def partitions_to_count(
    mode: str,
    write: Sequence[Partition],
    state: Mapping[Partition, PartitionState],
    in_table: Mapping[Partition, str],
) -> Optional[List[Partition]]:
    """The partitions whose rows must be counted after the write; None for every partition.

    Full mode counts them all. Incremental counts what it wrote, and of the rest only the partitions whose
    table files differ from what the last publish recorded (or that it did not record): its cost then follows
    the new runs, not the history. A partition in the table without logs is always counted.
    """
    if mode == "full":
        return None
    written = set(write)
    trusted = {
        p for p, s in state.items() if p not in written and s.table_files and in_table.get(p) == s.table_files
    }
    every = set(state) | set(in_table)
    return None if not trusted else sorted(every - trusted)


def state_to_json(state: Mapping[Partition, PartitionState]) -> str:
    partitions = []
    for (env, run_id), s in sorted(state.items()):
        partition = {"env": env, "run_id": run_id, "fingerprint": s.fingerprint, "rows": dict(sorted(s.rows.items()))}
        if s.table_files:
            partition["tableFiles"] = s.table_files
        partitions.append(partition)
    return json.dumps({"version": STATE_VERSION, "partitions": partitions}, indent=1)


def state_from_json(text: Optional[str]) -> Dict[Partition, PartitionState]:
    """The recorded state; an absent or unknown state is empty (every partition then counts as changed)."""
    if not text:
        return {}
    try:
        data = json.loads(text)
        if data.get("version") != STATE_VERSION:
            return {}
        return {
            (p["env"], p["run_id"]): PartitionState(
                p["fingerprint"], {k: int(v) for k, v in p["rows"].items()}, str(p.get("tableFiles", ""))
            )
            for p in data["partitions"]
        }
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


def expected_counts(state: Mapping[Partition, PartitionState]) -> Dict[Tuple[str, str, str], int]:
    """Rows by (env, run_id, status) that the table must hold: those of the logs its partitions were written from."""
    return {
        (env, run_id, status): rows
        for (env, run_id), s in state.items()
        for status, rows in s.rows.items()
        if rows > 0
    }


def count_differences(expected: RowCounts, actual: RowCounts) -> List[CountDifference]:
    """Every (env, run_id, status) whose rows differ, sorted; a key one side lacks has 0 rows there."""
    differences = []
    for key in sorted(set(expected) | set(actual)):
        in_logs, in_table = expected.get(key, 0), actual.get(key, 0)
        if in_logs != in_table:
            differences.append(CountDifference(*key, in_logs=in_logs, in_table=in_table))
    return differences


def counts_by_env_and_status(counts: RowCounts) -> List[Dict[str, object]]:
    """The report's counts: rows by env and status, sorted; a pair without rows is left out."""
    totals: Dict[Tuple[str, str], int] = {}
    for (env, _, status), rows in counts.items():
        totals[(env, status)] = totals.get((env, status), 0) + rows
    return [
        {"env": env, "status": status, "rows": rows} for (env, status), rows in sorted(totals.items()) if rows > 0
    ]


def parse_partition_spec(spec: str) -> Partition:
    """``env=dev/run_id=r1`` (SHOW PARTITIONS) → ("dev", "r1")."""
    values = dict(part.split("=", 1) for part in spec.split("/"))
    return (unquote(values["env"]), unquote(values["run_id"]))


def quote_identifier(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def quote_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def create_table_sql(table: str, columns: Sequence[str]) -> str:
    data = ", ".join(
        f"{quote_identifier(c)} {'TIMESTAMP' if c == 'log_created_time' else 'STRING'}" for c in columns
    )
    partitions = ", ".join(f"{quote_identifier(c)} STRING" for c in PARTITION_COLUMNS)
    return f"CREATE TABLE IF NOT EXISTS {table} ({data}) PARTITIONED BY ({partitions}) STORED AS PARQUET"


def add_columns_sql(table: str, columns: Sequence[str]) -> str:
    return f"ALTER TABLE {table} ADD COLUMNS ({', '.join(f'{quote_identifier(c)} STRING' for c in columns)})"


def count_rows_sql(table: str, partitions: Optional[Sequence[Partition]] = None) -> str:
    """Rows by partition and status: ``env`` and ``run_id`` are partition values, ``status`` one small column.

    ``partitions`` limits the count to those (pruned: only their files are read); an empty list counts nothing.
    """
    where = ""
    if partitions is not None:
        conditions = " OR ".join(
            f"(env = {quote_string(env)} AND run_id = {quote_string(run_id)})" for env, run_id in partitions
        )
        where = f" WHERE {conditions or 'false'}"
    return f"SELECT env, run_id, status, COUNT(*) AS n FROM {table}{where} GROUP BY env, run_id, status"


def drop_partitions_sql(table: str, partitions: Sequence[Partition]) -> str:
    specs = ", ".join(
        f"PARTITION (env = {quote_string(env)}, run_id = {quote_string(run_id)})" for env, run_id in partitions
    )
    return f"ALTER TABLE {table} DROP IF EXISTS {specs}"


def failed_file(error_text: str) -> Optional[str]:
    """The file a Spark read error names (``Encountered error while reading file …``), if any."""
    match = _SPARK_READ_ERROR.search(error_text)
    return match.group(1) if match else None


# --- reading --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Footer:
    """What a log file's Parquet footer says: its column names (in file order) and its row count."""

    columns: Tuple[str, ...]
    rows: int


def log_created_time(created_time: Column) -> Column:
    """The ``created_time`` directory value (UTC ``yyyyMMddHHmmss``) as a timestamp, whatever the session time zone."""

    def part(start: int, length: int) -> Column:
        return F.substring(created_time, start, length).cast("int")

    return F.make_timestamp(part(1, 4), part(5, 2), part(7, 2), part(9, 2), part(11, 2), part(13, 2), F.lit("UTC"))


def enrich(df: DataFrame, status: str, columns: Sequence[str]) -> DataFrame:
    """Log rows (file columns + ``run_id``, ``env``, ``created_time`` from the path) → table rows.

    ``columns`` are the table's data columns; a column the files lack is null. Partition columns come last,
    in table order, because the write is positional (insertInto).
    """
    by_column = {hive_column(name): F.col(quote_identifier(name)) for name in df.columns if name not in _PATH_COLUMNS}
    by_column["status"] = F.lit(status)
    by_column["log_created_time"] = log_created_time(F.col("created_time"))
    selected = [
        (by_column[c] if c in by_column else F.lit(None).cast(StringType())).alias(c) for c in columns
    ]
    return df.select(*selected, *[F.col(c) for c in PARTITION_COLUMNS])


def read_schema(file_columns: Iterable[Sequence[str]]) -> StructType:
    """Every column of the files (first spelling of each, strings) plus the partition values of the path."""
    seen: Dict[str, str] = {}
    for names in file_columns:
        for name in names:
            seen.setdefault(name.lower(), name)
    fields = [StructField(name, StringType()) for name in seen.values()]
    # Declaring the path values as strings stops Spark from inferring run_id=1 as a number.
    return StructType(fields + [StructField(c, StringType()) for c in _PATH_COLUMNS])


def read_logs(
    spark: SparkSession, root: str, files: Sequence[LogFile], footers: Mapping[str, Footer], columns: Sequence[str]
) -> Optional[DataFrame]:
    """The table rows of ``files`` (success and failure), or None when there are none."""
    frames = []
    # One read per directory the partition values are relative to: <root>/<status>/<Object>.
    for status, obj in sorted({(f.status, f.object) for f in files}):
        chosen = [f for f in files if f.status == status and f.object == obj]
        schema = read_schema(footers[f.path].columns for f in chosen)
        base = f"{root}/{status}/{obj}"
        df = spark.read.schema(schema).option("basePath", base).parquet(*[f.path for f in chosen])
        frames.append(enrich(df, status, columns))
    if not frames:
        return None
    result = frames[0]
    for frame in frames[1:]:
        result = result.unionByName(frame)
    return result


# --- I/O through the session's Hadoop file systems (s3:// on EMR, s3a:// and file: locally) -----------------


def _hadoop(spark: SparkSession, uri: str):
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return jvm, path, path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())


def qualified_root(spark: SparkSession, root: str) -> str:
    """``root`` as the file system spells the paths it lists (``/tmp/x`` → ``file:/tmp/x``), without a trailing /."""
    _, path, fs = _hadoop(spark, root.rstrip("/") or "/")
    return fs.makeQualified(path).toString().rstrip("/")


def list_files(spark: SparkSession, uri: str, through_hadoop: bool = False) -> List[Tuple[str, str, int]]:
    """(path relative to ``uri``, path, size) of every file under ``uri`` (qualified, as ``qualified_root``
    spells it), hidden ones included; [] when it does not exist.

    ``file:`` trees are walked by Python. Hadoop's local file system reads each listed file's owner and
    permissions by starting a process (``ls``/``stat``) per file: about 10 ms a file, which made the listing of
    a 200-run history take 13 s (docs/benchmarks.md). Other file systems (s3://, s3a://) are listed by Hadoop's
    recursive ``listFiles``: one request per 1,000 keys on S3, then about 0.15 ms of py4j per file on the driver
    (measured). ``through_hadoop`` lists ``file:`` trees through Hadoop as well (the tests compare the two).
    """
    jvm, path, fs = _hadoop(spark, uri)
    root = fs.makeQualified(path).toString().rstrip("/")
    if not through_hadoop and path.toUri().getScheme() in (None, "file"):
        return _walk_local(root, path.toUri().getPath())
    if not fs.exists(path):
        return []
    listing = []
    files = fs.listFiles(path, True)
    while files.hasNext():
        entry = files.next()
        full = entry.getPath().toString()
        listing.append((full[len(root) + 1 :] if full.startswith(root + "/") else full, full, int(entry.getLen())))
    return listing


def _walk_local(root: str, directory: str) -> List[Tuple[str, str, int]]:
    """``list_files`` of a local tree; as Hadoop's local file system lists it, directories are followed through
    symbolic links and checksum files (``.<name>.crc``, Hadoop's ``ChecksumFileSystem.isChecksumFile``) left out."""
    if not os.path.isdir(directory):
        return []
    listing = []
    for current, _, names in os.walk(directory, followlinks=True):
        for name in names:
            if name.startswith(".") and name.endswith(".crc"):
                continue
            relative = os.path.relpath(os.path.join(current, name), directory).replace(os.sep, "/")
            try:
                size = os.stat(os.path.join(current, name)).st_size
            except FileNotFoundError:  # removed (or a dangling link) since the directory was read
                continue
            listing.append((relative, f"{root}/{relative}", size))
    return listing


def list_logs(spark: SparkSession, root: str) -> List[Tuple[str, str, int]]:
    """(path relative to ``root``, path, size) of every file under ``root``/success and ``root``/failure."""
    return [
        (f"{status}/{relative}", full, size)
        for status in STATUSES
        for relative, full, size in list_files(spark, f"{root}/{status}")
    ]


#: A string column as a Parquet schema prints it (``MessageType.toString``): ``optional binary Name (STRING);``,
#: with `` = <id>`` when the writer gave the field an id.
_STRING_FIELD = re.compile(r"^\s*(?:required|optional) binary ([^\s(){};=]+)(?: \((?:STRING|ENUM)\))?(?: = \d+)?;$")


def string_columns(schema_text: str) -> Optional[List[str]]:
    """The column names of a Parquet schema printed by ``MessageType.toString`` when every column is a plain
    string (required or optional binary, no annotation or STRING/ENUM); None for anything else (a group, another
    type, a repeated column, a name the pattern does not take), which the caller then reads column by column."""
    lines = schema_text.strip().splitlines()
    if len(lines) < 2 or not lines[0].startswith("message ") or not lines[0].endswith("{") or lines[-1].strip() != "}":
        return None
    columns = []
    for line in lines[1:-1]:
        match = _STRING_FIELD.match(line)
        if match is None:
            return None
        columns.append(match[1])
    return columns


def read_footer(spark: SparkSession, log: LogFile) -> Footer:
    """The footer of one log file; LogFileError (naming it) when it is unreadable or holds a non-string column.

    Every py4j call is a round trip to the JVM: the schema comes back as one string (``string_columns``) and
    the rows as one number, about 6 ms a file instead of 33 ms column by column (docs/benchmarks.md). A schema
    that is not all plain strings is read column by column, which says which column is wrong.
    """
    jvm, path, _ = _hadoop(spark, log.path)
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    try:
        reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(
            jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(path, conf)
        )
        try:
            footer = reader.getFooter()
            rows = int(reader.getRecordCount())  # the row counts of all row groups (no filter is set)
        finally:
            reader.close()
    except Exception as error:  # py4j wraps every Java exception; its first line says what went wrong
        raise LogFileError(log.path, _java_reason(error)) from None
    schema = footer.getFileMetaData().getSchema()
    columns = string_columns(schema.toString())
    if columns is None:
        columns = _checked_columns(log, schema)
    return Footer(tuple(columns), rows)


def _checked_columns(log: LogFile, schema) -> List[str]:
    """The column names of ``schema`` read one by one; LogFileError naming the first that is not a string."""
    columns = []
    for column in schema.getFields():
        logical = column.getLogicalTypeAnnotation() if column.isPrimitive() else None
        if not column.isPrimitive() or str(column.asPrimitiveType().getPrimitiveTypeName()) != "BINARY" or (
            logical is not None and str(logical) not in ("STRING", "ENUM")
        ):
            raise LogFileError(log.path, f"column {column.getName()} is {column}, logs hold strings only")
        columns.append(column.getName())
    return columns


def read_footers(spark: SparkSession, files: Sequence[LogFile], threads: int = 8) -> Dict[str, Footer]:
    """Footers of many files, read in parallel (each is one or two small reads, mostly waiting on S3)."""
    if not files:
        return {}
    with ThreadPoolExecutor(max_workers=min(threads, len(files))) as pool:
        return dict(zip((f.path for f in files), pool.map(lambda f: read_footer(spark, f), files)))


def read_text(spark: SparkSession, uri: str) -> Optional[str]:
    jvm, path, fs = _hadoop(spark, uri)
    if not fs.exists(path):
        return None
    stream = fs.open(path)
    try:
        return jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
    finally:
        stream.close()


def write_text(spark: SparkSession, uri: str, text: str) -> None:
    _, path, fs = _hadoop(spark, uri)
    stream = fs.create(path, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()


def _java_reason(error: Exception) -> str:
    java = getattr(error, "java_exception", None)
    text = java.toString() if java is not None else str(error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


# --- the table ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableReport:
    object: str
    table: str
    created: bool
    columns_added: List[str]
    partitions_written: int
    partitions_dropped: int
    #: Partitions whose rows were counted after the write (incremental: the written and the changed ones).
    partitions_counted: int
    rows_written: int
    counts: List[Dict[str, object]]
    seconds: float
    #: Seconds per step: inspect (table, partitions, state), footers, ddl, write, drop, count, state.
    steps: Dict[str, float]
    #: An incremental publish that its trust rules widened to full (docs/publish.md#modes).
    widened_to_full: bool = False

    def to_json(self) -> Dict[str, object]:
        return {
            "object": self.object,
            "table": self.table,
            "created": self.created,
            "columnsAdded": self.columns_added,
            "partitionsWritten": self.partitions_written,
            "partitionsDropped": self.partitions_dropped,
            "partitionsCounted": self.partitions_counted,
            "rowsWritten": self.rows_written,
            "counts": self.counts,
            "seconds": round(self.seconds, 3),
            "steps": {step: round(seconds, 3) for step, seconds in self.steps.items()},
            "widenedToFull": self.widened_to_full,
        }


class Laps:
    """Seconds spent per step of a table's publish, for the report."""

    def __init__(self) -> None:
        self.seconds: Dict[str, float] = {}
        self._last = time.monotonic()

    def lap(self, step: str) -> None:
        now = time.monotonic()
        self.seconds[step] = now - self._last
        self._last = now


@dataclass(frozen=True)
class TableDescription:
    """An existing table as DESCRIBE TABLE EXTENDED shows it."""

    data_columns: List[str]
    partition_columns: List[str]
    location: str


def parse_describe(rows: Sequence[Tuple[str, str]]) -> TableDescription:
    """(col_name, data_type) rows of DESCRIBE TABLE EXTENDED → columns, partition columns and location.

    Spark lists every column, then "# Partition Information" and the partition columns again, then a blank
    row and "# Detailed Table Information" with one property per row (Location among them).
    """
    columns: List[str] = []
    partitions: List[str] = []
    location = ""
    section = "columns"
    for name, value in rows:
        name = (name or "").strip()
        if name == "# Partition Information":
            section = "partitions"
        elif name == "# Detailed Table Information":
            section = "details"
        elif name == "" or name.startswith("#"):
            continue
        elif section == "columns":
            columns.append(name)
        elif section == "partitions":
            partitions.append(name)
        elif name == "Location":
            location = (value or "").rstrip("/")
    return TableDescription([c for c in columns if c not in partitions], partitions, location)


def describe_table(spark: SparkSession, table: str) -> TableDescription:
    return parse_describe([(r.col_name, r.data_type) for r in spark.sql(f"DESCRIBE TABLE EXTENDED {table}").collect()])


def count_rows(
    spark: SparkSession, table: str, partitions: Optional[Sequence[Partition]] = None
) -> Dict[Tuple[str, str, str], int]:
    """What the table holds now, by (env, run_id, status), in ``partitions`` (None: all); call after
    ``refreshTable`` so new files are seen."""
    if partitions is not None and not partitions:
        return {}
    return {(r.env, r.run_id, r.status): int(r.n) for r in spark.sql(count_rows_sql(table, partitions)).collect()}


def table_file_counts(
    spark: SparkSession, location: str, listing: Sequence[Tuple[str, int]], partitions: Optional[Sequence[Partition]]
) -> Optional[Dict[Tuple[str, str, str], int]]:
    """What the table's files in ``partitions`` (None: all) hold by (env, run_id, status), read from their Parquet
    footers: the row count of each row group, and its status from the ``status`` column's statistics. None when
    a row group holds more than one status or has no statistics (the caller then counts with Spark).

    Every file the job writes holds one status (each write task reads log files of one status), so this reads
    a few bytes per file instead of running a Spark job over the table.
    """
    wanted = None if partitions is None else set(partitions)
    chosen = []
    for relative, _ in listing:
        parts = relative.split("/")
        if len(parts) != 3 or _is_hidden(relative):
            continue
        partition = parse_partition_spec(f"{parts[0]}/{parts[1]}")
        if wanted is None or partition in wanted:
            chosen.append((partition, f"{location}/{relative}"))
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()

    def by_status(uri: str) -> Optional[List[Tuple[str, int]]]:
        path = jvm.org.apache.hadoop.fs.Path(uri)
        reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(
            jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(path, conf)
        )
        try:
            footer = reader.getFooter()
        finally:
            reader.close()
        schema = footer.getFileMetaData().getSchema()
        if not schema.containsField("status"):
            return None
        # The column chunk by its index in the (flat) schema: one py4j call instead of one per column.
        index = schema.getFieldIndex("status")
        blocks = footer.getBlocks()
        found = []
        for block in (blocks.get(i) for i in range(blocks.size())):
            column = block.getColumns().get(index)
            stats = column.getStatistics() if column.getPath().toDotString() == "status" else None
            if stats is None or stats.isEmpty() or not stats.hasNonNullValue() or stats.getNumNulls() != 0:
                return None
            low, high = stats.genericGetMin().toStringUsingUTF8(), stats.genericGetMax().toStringUsingUTF8()
            if low != high:
                return None
            found.append((low, int(block.getRowCount())))
        return found

    if not chosen:
        return {}
    with ThreadPoolExecutor(max_workers=min(8, len(chosen))) as pool:
        results = list(pool.map(lambda item: by_status(item[1]), chosen))
    counts: Dict[Tuple[str, str, str], int] = {}
    for (partition, _), found in zip(chosen, results):
        if found is None:
            return None
        for status, rows in found:
            key = (partition[0], partition[1], status)
            counts[key] = counts.get(key, 0) + rows
    return counts


def list_table_files(spark: SparkSession, location: str) -> List[Tuple[str, int]]:
    """(path relative to ``location``, size) of every file under the table's location (one recursive listing)."""
    return [(relative, size) for relative, _, size in list_files(spark, location)]


def write_partitions(spark: SparkSession, table: str, rows: DataFrame) -> None:
    """Overwrites exactly the partitions present in ``rows``; every other partition stays as it is.

    The session's overwrite mode is forced to dynamic here rather than trusted: in static mode an INSERT
    OVERWRITE without partition values deletes every partition of the table first.
    """
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    spark.conf.set("hive.exec.dynamic.partition", "true")
    spark.conf.set("hive.exec.dynamic.partition.mode", "nonstrict")
    # No shuffle and no sort: each read task writes the partitions of the log files it read, one open writer
    # per partition (a task reads few files, each of one partition), so a partition gets about one file per
    # log file. Shuffling every row for one file per partition, or letting Spark sort each task's rows by
    # partition (its planned write), made full mode slower than the seed-style rewrite (docs/benchmarks.md).
    spark.conf.set("spark.sql.optimizer.plannedWrite.enabled", "false")
    spark.conf.set("spark.sql.maxConcurrentOutputFileWriters", str(CONCURRENT_WRITERS))
    rows.write.insertInto(table, overwrite=True)


def publish_table(
    spark: SparkSession,
    root: str,
    database: str,
    files: Sequence[LogFile],
    mode: str,
    log: Callable[[str], None] = lambda _: None,
) -> TableReport:
    """Brings one table in line with its log files (see the module doc)."""
    started = time.monotonic()
    laps = Laps()
    name = object_name(files)
    table = f"{quote_identifier(database)}.{quote_identifier(files[0].table)}"
    exists = spark.catalog.tableExists(f"{database}.{files[0].table}")
    existing_columns: Optional[List[str]] = None
    present: Optional[Set[Partition]] = None
    state: Dict[Partition, PartitionState] = {}
    if exists:
        description = describe_table(spark, table)
        if tuple(description.partition_columns) != PARTITION_COLUMNS:
            raise PublishError(
                f"table {database}.{files[0].table} exists but is partitioned by "
                f"{description.partition_columns or 'nothing'}, not {list(PARTITION_COLUMNS)}; "
                "it was not made by this job: publish into another --database"
            )
        existing_columns = description.data_columns
        present = {parse_partition_spec(r[0]) for r in spark.sql(f"SHOW PARTITIONS {table}").collect()}
        state = state_from_json(read_text(spark, f"{description.location}/{STATE_FILE}"))

    write, drop = plan_partitions(mode, files, present, state)
    groups = by_partition(files)
    to_read = [f for p in write for f in groups[p]]
    laps.lap("inspect")
    footers = read_footers(spark, to_read)
    laps.lap("footers")
    columns, added = plan_columns(existing_columns, [footers[f.path].columns for f in to_read])
    new_columns = f", new columns {', '.join(added)}" if added else ""
    log(f"{name}: {len(write)} partition(s) to write, {len(drop)} to drop{new_columns}")

    if not exists:
        spark.sql(create_table_sql(table, columns))
    elif added:
        spark.sql(add_columns_sql(table, added))
    spark.catalog.refreshTable(table)
    description = describe_table(spark, table)
    laps.lap("ddl")

    new_state = {} if mode == "full" else {p: s for p, s in state.items() if p in groups}
    for partition in write:
        rows: Dict[str, int] = {}
        for f in groups[partition]:
            rows[f.status] = rows.get(f.status, 0) + footers[f.path].rows
        new_state[partition] = PartitionState(fingerprint(groups[partition]), rows)
    empty = [p for p in write if sum(new_state[p].rows.values()) == 0]
    drop = sorted(set(drop) | {p for p in empty if present and p in present})

    if write:
        frame = read_logs(spark, root, to_read, footers, description.data_columns)
        if frame is not None:
            try:
                write_partitions(spark, table, frame)
            except Exception as error:
                failure = read_failure(error)
                if failure is not None:
                    raise LogFileError(*failure) from None
                raise
    laps.lap("write")
    if drop:
        spark.sql(drop_partitions_sql(table, drop))
    spark.catalog.refreshTable(table)
    laps.lap("drop")
    # The report gives what the table holds, not what the job meant to write. The check comes before the
    # state is recorded: after a failed check, what this publish wrote still counts as changed next time.
    listing = list_table_files(spark, description.location)
    table_files = table_fingerprints(listing)
    counted = partitions_to_count(mode, write, new_state, table_files)
    from_footers = table_file_counts(spark, description.location, listing, counted)
    in_table = from_footers if from_footers is not None else count_rows(spark, table, counted)
    if counted is not None:
        # Partitions whose files are as the last publish left them hold the rows it counted there.
        skipped = {p: s for p, s in new_state.items() if p not in set(counted)}
        in_table.update({k: v for k, v in expected_counts(skipped).items()})
    differences = count_differences(expected_counts(new_state), in_table)
    if differences and mode == "incremental" and not {(d.env, d.run_id) for d in differences} & set(write):
        # Trust rule: incremental relies on the recorded state describing the table. Partitions this run did not
        # touch that no longer hold their logs' rows prove it does not: widen to full, which rewrites them all.
        log(f"{name}: partitions this run left alone differ from their logs; widening to a full publish")
        return replace(publish_table(spark, root, database, files, "full", log), widened_to_full=True)
    if differences:
        raise CountMismatchError(f"{database}.{files[0].table}", differences)
    laps.lap("count")
    recorded = {p: s.table_files for p, s in new_state.items()}
    new_state = {p: replace(s, table_files=table_files.get(p, "")) for p, s in new_state.items()}
    if write or drop or mode == "full" or not exists or recorded != {p: s.table_files for p, s in new_state.items()}:
        write_text(spark, f"{description.location}/{STATE_FILE}", state_to_json(new_state))
    laps.lap("state")

    return TableReport(
        object=name,
        table=f"{database}.{files[0].table}",
        created=not exists,
        columns_added=added,
        partitions_written=len(write),
        partitions_dropped=len(drop),
        partitions_counted=len(new_state) if counted is None else len(counted),
        rows_written=sum(sum(new_state[p].rows.values()) for p in write),
        counts=counts_by_env_and_status(in_table),
        seconds=time.monotonic() - started,
        steps=laps.seconds,
    )


def read_failure(error: Exception) -> Optional[Tuple[str, str]]:
    """(file, reason) when a Spark job failed on reading a file: the reason is what the read itself raised."""
    java = getattr(error, "java_exception", None)
    messages = []
    while java is not None:
        messages.append(str(java.getMessage() or java.toString()))
        java = java.getCause()
    naming = [i for i, message in enumerate(messages) if failed_file(message) is not None]
    if naming:
        last = naming[-1]
        reason = next((m for m in messages[last + 1 :] if m.strip()), messages[last])
        return failed_file(messages[last]) or "", reason.strip().splitlines()[0]
    path = failed_file(str(error))
    return (path, str(error).strip().splitlines()[0]) if path is not None else None


def publish(
    spark: SparkSession,
    logs: str,
    database: str,
    mode: str = "full",
    objects: Optional[Sequence[str]] = None,
    warehouse: Optional[str] = None,
    log: Callable[[str], None] = lambda _: None,
) -> Dict[str, object]:
    """Publishes every object's logs under ``logs`` (or those in ``objects``) into ``database``; the report."""
    if mode not in MODES:
        raise PublishError(f"--mode must be one of {', '.join(MODES)}, not {mode}")
    started = time.monotonic()
    laps = Laps()
    root = qualified_root(spark, logs)
    tables = discover(list_logs(spark, root), objects)
    laps.lap("list")
    missing = sorted({o for o in objects or [] if o.lower() not in tables})
    for name in missing:
        log(f"{name}: no logs under {root}; nothing to publish")
    location = f" LOCATION {quote_string(warehouse.rstrip('/') + '/' + database + '.db')}" if warehouse else ""
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {quote_identifier(database)}{location}")
    # The first metastore call: with a local Derby metastore this is where it starts.
    laps.lap("database")
    reports = [publish_table(spark, root, database, files, mode, log) for files in tables.values()]
    return {
        "logs": root,
        "database": database,
        "mode": mode,
        "tables": [r.to_json() for r in reports],
        "missing": missing,
        "seconds": round(time.monotonic() - started, 3),
        "steps": {step: round(seconds, 3) for step, seconds in laps.seconds.items()},
    }


# --- the Spark session ----------------------------------------------------------------------------------------


def spark_settings(
    local_hive_dir: Optional[str] = None,
    s3_endpoint: Optional[str] = None,
    jars: Sequence[str] = (),
    access_key: str = "testing",
    secret_key: str = "testing",
) -> Dict[str, str]:
    """Session settings: the job's own, plus a local Derby metastore and s3a to an emulator when asked."""
    settings = {
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    }
    if local_hive_dir is not None:
        hive = os.path.abspath(local_hive_dir)
        settings.update(
            {
                "spark.sql.warehouse.dir": os.path.join(hive, "warehouse"),
                "spark.hadoop.javax.jdo.option.ConnectionURL": (
                    f"jdbc:derby:;databaseName={os.path.join(hive, 'metastore_db')};create=true"
                ),
                # derby.log goes next to the metastore instead of the working directory.
                "spark.driver.extraJavaOptions": f"-Dderby.system.home={hive}",
                "spark.ui.enabled": "false",
                "spark.ui.showConsoleProgress": "false",
                "spark.driver.bindAddress": "127.0.0.1",
                "spark.driver.host": "127.0.0.1",
            }
        )
    if jars:
        settings["spark.jars"] = ",".join(os.path.abspath(j) for j in jars)
    if s3_endpoint is not None:
        settings.update(
            {
                "spark.hadoop.fs.s3a.endpoint": s3_endpoint,
                "spark.hadoop.fs.s3a.path.style.access": "true",
                "spark.hadoop.fs.s3a.connection.ssl.enabled": "true" if s3_endpoint.startswith("https:") else "false",
                "spark.hadoop.fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
                "spark.hadoop.fs.s3a.access.key": access_key,
                "spark.hadoop.fs.s3a.secret.key": secret_key,
                # s3:// is EMRFS on EMR; locally it is S3A as well, so the same URIs work in both places.
                "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
            }
        )
    return settings


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="log_to_hive.py", description="Publish sfetl's Parquet logs as one Hive table per Salesforce object."
    )
    parser.add_argument("--logs", required=True, help="root of the log trees: s3://bucket/prefix, s3a://… or a path")
    parser.add_argument("--database", default="sfetl", help="Hive database of the tables (default: sfetl)")
    parser.add_argument("--mode", choices=MODES, default="full", help="full (default) or incremental")
    parser.add_argument("--object", action="append", dest="objects", help="only this object (repeatable)")
    parser.add_argument("--warehouse", help="location for the database when the job creates it, e.g. s3://bucket/hive")
    local = parser.add_argument_group("local runs (sfetl publish)")
    local.add_argument("--local-hive-dir", help="Derby metastore and warehouse in this directory")
    local.add_argument("--s3-endpoint", help="S3 endpoint for s3a:// (and s3://), e.g. moto's")
    local.add_argument("--jars", default="", help="comma-separated jars to add (hadoop-aws, aws-java-sdk-bundle)")
    local.add_argument("--master", help="Spark master, e.g. local[2] (default: spark-submit's, or local[*])")
    local.add_argument("--report-file", help="also write the report (JSON) to this local file")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    settings = spark_settings(
        local_hive_dir=args.local_hive_dir,
        s3_endpoint=args.s3_endpoint,
        jars=[j for j in args.jars.split(",") if j],
        access_key=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
    )
    builder = SparkSession.builder.appName("sfetl-log-to-hive")
    if args.master:
        builder = builder.master(args.master)
    elif args.local_hive_dir:
        builder = builder.master("local[*]")
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.enableHiveSupport().getOrCreate()
    spark.sparkContext.setLogLevel("WARN")

    def progress(line: str) -> None:
        print(f"log_to_hive: {line}", file=sys.stderr, flush=True)

    try:
        report = publish(spark, args.logs, args.database, args.mode, args.objects, args.warehouse, progress)
    except PublishError as error:
        progress(f"error: {error}")
        return 1
    finally:
        spark.stop()
    print(json.dumps(report), flush=True)
    if args.report_file:
        with open(args.report_file, "w", encoding="utf-8") as out:
            json.dump(report, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
