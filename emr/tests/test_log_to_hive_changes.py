"""The job on local Spark over small log trees written here: reruns, removed logs, unreadable files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import log_to_hive
import log_trees

EMR_DIR = Path(__file__).resolve().parents[1]


def _contacts(root: Path, run_id: str, env: str, created_time: str, first: int, count: int, status="success"):
    ids = [f"C-{i}" for i in range(first, first + count)]
    columns = {"Ext_Id__c": ids, "LastName": [f"Last {i}" for i in range(first, first + count)]}
    if status == "success":
        columns.update(sf__Id=[f"003{i:012d}" for i in range(first, first + count)], sf__Created=["true"] * count)
    else:
        columns.update(sf__Id=[""] * count, sf__Error=["REQUIRED_FIELD_MISSING:x:--"] * count)
    columns["sf__JobId"] = ["750000000000001"] * count
    return log_trees.write_log(root, status, "Contact", run_id, env, created_time, columns)


def _tables_equal(spark, a: str, b: str) -> bool:
    return log_trees.table_rows(spark, a) == log_trees.table_rows(spark, b)


def _location(spark, table: str) -> Path:
    return Path(log_to_hive.describe_table(spark, table).location.replace("file:", "", 1))


def test_incremental_rewrites_a_run_that_wrote_more_logs_and_leaves_the_others(spark, tmp_path):
    logs = tmp_path / "logs"
    _contacts(logs, "r1", "dev", "20250101120000", 0, 5)
    _contacts(logs, "r2", "dev", "20250102120000", 5, 5)
    _contacts(logs, "r2", "qa", "20250102120000", 10, 5)
    log_to_hive.publish(spark, str(logs), "resumed", mode="incremental")
    untouched = {
        run: log_trees.tree_snapshot(_location(spark, "resumed.contact") / "env=dev" / f"run_id={run}")
        for run in ("r2",)
    }

    # r1 resumed after a crash: a second created_time directory with the rest of its rows, failures too.
    _contacts(logs, "r1", "dev", "20250103090000", 20, 3)
    _contacts(logs, "r1", "dev", "20250103090000", 23, 2, status="failure")
    report = log_to_hive.publish(spark, str(logs), "resumed", mode="incremental")
    contact = report["tables"][0]
    assert (contact["partitionsWritten"], contact["rowsWritten"]) == (1, 10)
    assert log_trees.tree_snapshot(_location(spark, "resumed.contact") / "env=dev" / "run_id=r2") == untouched["r2"]

    log_to_hive.publish(spark, str(logs), "resumed_full")
    assert _tables_equal(spark, "resumed.contact", "resumed_full.contact")
    assert contact["counts"] == [
        {"env": "dev", "status": "failure", "rows": 2},
        {"env": "dev", "status": "success", "rows": 13},
        {"env": "qa", "status": "success", "rows": 5},
    ]


def test_both_modes_drop_the_partitions_whose_logs_are_gone(spark, tmp_path):
    logs = tmp_path / "logs"
    _contacts(logs, "r1", "dev", "20250101120000", 0, 5)
    gone = _contacts(logs, "r2", "dev", "20250102120000", 5, 5)
    for database, mode in (("pruned_full", "full"), ("pruned_incremental", "incremental")):
        log_to_hive.publish(spark, str(logs), database, mode=mode)
    gone.unlink()
    for database, mode in (("pruned_full", "full"), ("pruned_incremental", "incremental")):
        report = log_to_hive.publish(spark, str(logs), database, mode=mode)
        assert report["tables"][0]["partitionsDropped"] == 1
        partitions = [r[0] for r in spark.sql(f"SHOW PARTITIONS {database}.contact").collect()]
        assert partitions == ["env=dev/run_id=r1"]
    assert _tables_equal(spark, "pruned_full.contact", "pruned_incremental.contact")


def test_the_table_is_never_dropped_and_keeps_what_others_set_on_it(spark, tmp_path):
    logs = tmp_path / "logs"
    _contacts(logs, "r1", "dev", "20250101120000", 0, 5)
    log_to_hive.publish(spark, str(logs), "kept")
    spark.sql("ALTER TABLE kept.contact SET TBLPROPERTIES ('owner.note' = 'set by an analyst')")
    log_trees.write_log(
        logs, "success", "Contact", "r2", "dev", "20250102120000", {"Ext_Id__c": ["C-9"], "Email": ["a@b.c"]}
    )
    for mode in ("full", "incremental", "full"):
        log_to_hive.publish(spark, str(logs), "kept", mode=mode)
    properties = {r.key: r.value for r in spark.sql("SHOW TBLPROPERTIES kept.contact").collect()}
    assert properties.get("owner.note") == "set by an analyst"
    assert spark.sql("SELECT COUNT(*) FROM kept.contact WHERE email = 'a@b.c'").first()[0] == 1


def test_a_write_that_loses_rows_stops_the_job_naming_the_table_and_records_no_state(spark, tmp_path, monkeypatch):
    logs = tmp_path / "logs"
    _contacts(logs, "r1", "dev", "20250101120000", 0, 5)
    _contacts(logs, "r1", "dev", "20250101120000", 5, 2, status="failure")
    write = log_to_hive.write_partitions
    monkeypatch.setattr(
        log_to_hive, "write_partitions", lambda s, table, rows: write(s, table, rows.where("status = 'success'"))
    )
    with pytest.raises(log_to_hive.CountMismatchError) as error:
        log_to_hive.publish(spark, str(logs), "lossy")
    assert str(error.value).startswith(
        "table lossy.contact does not hold the rows of its logs after the publish "
        "(env=dev run_id=r1 failure: 0 in the table, 2 in the logs); publish again with --mode full"
    )
    assert not (_location(spark, "lossy.contact") / log_to_hive.STATE_FILE).exists()

    monkeypatch.setattr(log_to_hive, "write_partitions", write)
    report = log_to_hive.publish(spark, str(logs), "lossy", mode="incremental")
    assert report["tables"][0]["partitionsWritten"] == 1
    assert report["tables"][0]["counts"] == [
        {"env": "dev", "status": "failure", "rows": 2},
        {"env": "dev", "status": "success", "rows": 5},
    ]


def test_files_lost_from_an_untouched_partition_make_incremental_distrust_its_state_and_widen_to_full(spark, tmp_path):
    logs = tmp_path / "logs"
    _contacts(logs, "r1", "dev", "20250101120000", 0, 5)
    _contacts(logs, "r2", "qa", "20250102120000", 5, 4)
    log_to_hive.publish(spark, str(logs), "lost", mode="incremental")
    for data in (_location(spark, "lost.contact") / "env=qa" / "run_id=r2").glob("part-*"):
        data.unlink()

    report = log_to_hive.publish(spark, str(logs), "lost", mode="incremental")
    assert (report["tables"][0]["widenedToFull"], report["tables"][0]["partitionsWritten"]) == (True, 2)
    assert report["tables"][0]["counts"] == [
        {"env": "dev", "status": "success", "rows": 5},
        {"env": "qa", "status": "success", "rows": 4},
    ]


def test_a_corrupt_footer_stops_the_job_naming_the_file(spark, tmp_path):
    logs = tmp_path / "logs"
    _contacts(logs, "r1", "dev", "20250101120000", 0, 5)
    bad = _contacts(logs, "r2", "dev", "20250102120000", 5, 5)
    bad.write_bytes(bad.read_bytes()[:-20])
    with pytest.raises(log_to_hive.LogFileError) as error:
        log_to_hive.publish(spark, str(logs), "corrupt_footer")
    assert error.value.path.endswith("run_id=r2/env=dev/created_time=20250102120000/part-00000.parquet")
    assert str(bad) in str(error.value) and "\n" not in str(error.value)


def test_a_corrupt_page_stops_the_job_naming_the_file_and_leaves_the_table_as_it_was(spark, tmp_path):
    logs = tmp_path / "logs"
    _contacts(logs, "r1", "dev", "20250101120000", 0, 5)
    log_to_hive.publish(spark, str(logs), "corrupt_page")
    before = log_trees.table_rows(spark, "corrupt_page.contact")
    bad = _contacts(logs, "r2", "dev", "20250102120000", 5, 50)
    data = bytearray(bad.read_bytes())
    data[4:120] = b"\xab" * 116  # the first pages; the footer stays readable
    bad.write_bytes(bytes(data))
    with pytest.raises(log_to_hive.LogFileError) as error:
        log_to_hive.publish(spark, str(logs), "corrupt_page")
    assert str(bad) in str(error.value)
    assert log_trees.table_rows(spark, "corrupt_page.contact") == before


def test_a_file_that_is_not_a_log_stops_the_job_naming_it(spark, tmp_path):
    logs = tmp_path / "logs"
    _contacts(logs, "r1", "dev", "20250101120000", 0, 5)
    stray = logs / "success" / "Contact" / "run_id=r1" / "notes.txt"
    stray.write_text("not a log")
    with pytest.raises(log_to_hive.LogLayoutError) as error:
        log_to_hive.publish(spark, str(logs), "stray")
    assert str(stray) in str(error.value)


def test_a_column_that_is_not_a_string_stops_the_job_naming_the_file(spark, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    logs = tmp_path / "logs"
    path = _contacts(logs, "r1", "dev", "20250101120000", 0, 5)
    pq.write_table(pa.table({"Ext_Id__c": ["C-1"], "Amount": pa.array([1], type=pa.int64())}), path)
    with pytest.raises(log_to_hive.LogFileError, match="column Amount .* strings only") as error:
        log_to_hive.publish(spark, str(logs), "typed")
    assert str(path) in str(error.value)


def test_a_table_of_another_layout_is_refused(spark, tmp_path):
    logs = tmp_path / "logs"
    _contacts(logs, "r1", "dev", "20250101120000", 0, 5)
    spark.sql("CREATE DATABASE IF NOT EXISTS foreign_db")
    spark.sql("CREATE TABLE foreign_db.contact (id STRING) STORED AS PARQUET")
    with pytest.raises(log_to_hive.PublishError, match="publish into another --database"):
        log_to_hive.publish(spark, str(logs), "foreign_db")


def test_importing_the_job_starts_nothing():
    code = (
        "import log_to_hive, pyspark.sql as s; "
        "assert s.SparkSession.getActiveSession() is None and s.SparkSession._instantiatedSession is None"
    )
    subprocess.run([sys.executable, "-c", code], cwd=EMR_DIR, check=True, timeout=60)


def test_a_local_tree_is_listed_as_hadoop_lists_it(spark, tmp_path):
    """file: trees are walked by Python (Hadoop's local listing starts a process per file); the listing is the
    one Hadoop gives: the same relative paths, paths and sizes, hidden files, links to directories followed,
    checksum files left out."""
    root = tmp_path / "logs"
    _contacts(root, "r1", "dev", "20250101000000", 0, 3)
    _contacts(root, "r1", "dev", "20250101000000", 3, 2, status="failure")
    odd = root / "success" / "Contact" / "run_id=r 2; x" / "env=qa" / "created_time=20250102000000"
    odd.mkdir(parents=True)
    (odd / "a b%20c.parquet").write_bytes(b"x" * 7)
    (odd / "_SUCCESS").write_bytes(b"")
    (odd / ".a b%20c.parquet.crc").write_bytes(b"crc")
    elsewhere = tmp_path / "elsewhere" / "created_time=20250103000000"
    elsewhere.mkdir(parents=True)
    (elsewhere / "linked.parquet").write_bytes(b"y" * 11)
    (root / "failure" / "Contact" / "run_id=r3" / "env=uat").mkdir(parents=True)
    (root / "failure" / "Contact" / "run_id=r3" / "env=uat" / "created_time=20250103000000").symlink_to(elsewhere)
    (root / "success" / "Contact" / "empty").mkdir()

    uri = log_to_hive.qualified_root(spark, str(root))
    walked = sorted(log_to_hive.list_logs(spark, uri))
    through_hadoop = sorted(
        (f"{status}/{relative}", full, size)
        for status in log_to_hive.STATUSES
        for relative, full, size in log_to_hive.list_files(spark, f"{uri}/{status}", through_hadoop=True)
    )
    assert walked == through_hadoop
    assert len(walked) == 5  # Hadoop's local file system leaves the checksum file (.<name>.crc) out
    assert ("failure/Contact/run_id=r3/env=uat/created_time=20250103000000/linked.parquet",
            f"{uri}/failure/Contact/run_id=r3/env=uat/created_time=20250103000000/linked.parquet", 11) in walked
    assert log_to_hive.list_files(spark, f"{uri}/nowhere") == []
    assert log_to_hive.list_files(spark, f"{uri}/nowhere", through_hadoop=True) == []


def test_footers_read_from_the_printed_schema_equal_those_read_column_by_column(spark, tmp_path):
    """read_footer's fast path (the schema as one string) gives what the column-by-column read gives, for the
    runner's own logs and for files of every kind of column that the fast path leaves to the slow one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    logs = tmp_path / "logs"
    paths = [_contacts(logs, "r1", "dev", "20250101120000", 0, 5), _contacts(logs, "r1", "dev", "20250101120000", 5, 2, "failure")]
    odd = logs / "success" / "Contact" / "run_id=r2" / "env=dev" / "created_time=20250101120000"
    odd.mkdir(parents=True)
    field = pa.field("Tags", pa.list_(pa.string()))
    pq.write_table(pa.table({"Ext_Id__c": ["C-1"], "Tags": pa.array([["a"]], type=field.type)}), odd / "repeated.parquet")
    pq.write_table(pa.table({"Ext_Id__c": ["C-1"], "Raw": pa.array([b"x"], type=pa.binary())}), odd / "binary.parquet")
    pq.write_table(pa.table({"Ext_Id__c": ["C-1", "C-2"]}), odd / "rows.parquet", row_group_size=1)
    root = log_to_hive.qualified_root(spark, str(logs))
    files = {f.name if f.run_id == "r2" else f.status: f for f in log_to_hive.discover(log_to_hive.list_logs(spark, root))["contact"]}
    for key, log in files.items():
        schema = spark.sparkContext._jvm.org.apache.parquet.hadoop.ParquetFileReader.readFooter(
            spark.sparkContext._jsc.hadoopConfiguration(), spark.sparkContext._jvm.org.apache.hadoop.fs.Path(log.path)
        ).getFileMetaData().getSchema()
        if key == "repeated.parquet":  # a list column: a group, refused by both reads with the same message
            with pytest.raises(log_to_hive.LogFileError, match="(?s)column Tags is .* strings only"):
                log_to_hive.read_footer(spark, log)
            continue
        footer = log_to_hive.read_footer(spark, log)
        assert list(footer.columns) == log_to_hive._checked_columns(log, schema), key
    assert log_to_hive.read_footer(spark, files["rows.parquet"]).rows == 2
    assert log_to_hive.read_footer(spark, files["success"]).rows == 5
    assert str(paths[0]).endswith(files["success"].name)


def test_table_counts_come_from_the_footers_and_equal_what_spark_counts(spark, tmp_path):
    """The count check reads each table file's row groups and its status column's statistics; a file that
    holds two statuses gives None, and the job then counts with Spark."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    logs = tmp_path / "logs"
    _contacts(logs, "r1", "dev", "20250101120000", 0, 5)
    _contacts(logs, "r1", "dev", "20250101120000", 5, 2, "failure")
    _contacts(logs, "r2", "qa", "20250102120000", 7, 3)
    log_to_hive.publish(spark, str(logs), "footcount")
    location = log_to_hive.describe_table(spark, "footcount.contact").location
    listing = log_to_hive.list_table_files(spark, location)
    expected = {("dev", "r1", "success"): 5, ("dev", "r1", "failure"): 2, ("qa", "r2", "success"): 3}
    assert log_to_hive.table_file_counts(spark, location, listing, None) == expected
    assert log_to_hive.count_rows(spark, "footcount.contact") == expected
    assert log_to_hive.table_file_counts(spark, location, listing, [("qa", "r2")]) == {("qa", "r2", "success"): 3}

    mixed = _location(spark, "footcount.contact") / "env=qa" / "run_id=r2" / "part-mixed.parquet"
    pq.write_table(pa.table({"sf_id": ["a", "b"], "status": ["success", "failure"]}), mixed)
    assert log_to_hive.table_file_counts(spark, location, log_to_hive.list_table_files(spark, location), None) is None
