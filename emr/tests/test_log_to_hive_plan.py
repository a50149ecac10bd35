"""The job's pure functions: discovery, column names, what to write, the recorded state. No Spark."""

from __future__ import annotations

import pytest

import log_to_hive as job
from log_to_hive import LogFile, PartitionState

ROOT = "s3a://logs/pre"


def _listing(*relative_and_size):
    return [(rel, f"{ROOT}/{rel}", size) for rel, size in relative_and_size]


def _file(run_id="r1", env="dev", status="success", created_time="20250101120000", name="part-00000.parquet", size=10):
    rel = f"{status}/Contact/run_id={run_id}/env={env}/created_time={created_time}/{name}"
    return job.parse_log_path(rel, f"{ROOT}/{rel}", size)


# --- discovery ---


def test_a_log_path_gives_status_object_run_env_and_created_time():
    log = _file(run_id="20250101T120000Z-a1b2c3", env="qa", status="failure")
    assert (log.status, log.object, log.run_id, log.env, log.created_time, log.table) == (
        "failure",
        "Contact",
        "20250101T120000Z-a1b2c3",
        "qa",
        "20250101120000",
        "contact",
    )
    assert log.partition == ("qa", "20250101T120000Z-a1b2c3")


@pytest.mark.parametrize(
    "relative",
    [
        "success/Contact/_SUCCESS",
        "success/Contact/run_id=1/env=dev/created_time=20250101120000/.part-0.parquet.crc",
        "failure/Contact/run_id=1/.spark-staging-1/x.parquet",
    ],
)
def test_hidden_files_are_skipped_as_spark_and_hive_skip_them(relative):
    assert job.parse_log_path(relative, f"{ROOT}/{relative}", 1) is None


@pytest.mark.parametrize(
    "relative, reason",
    [
        ("success/Contact/run_id=1/env=dev/part-0.parquet", "not in the log layout"),
        ("success/Contact/run_id=1/env=dev/created_time=2025010112/part-0.parquet", "not in the log layout"),
        ("success/Contact/run_id=1/env=dev/created_time=20251301120000/part-0.parquet", "not a valid UTC time"),
        ("success/Contact/run_id=1/env=dev/created_time=20250101120000/part-0.csv", "not a .parquet file"),
        ("success/Contact/run_id=1/env=dev/created_time=20250101120000/x/part-0.parquet", "not in the log layout"),
    ],
)
def test_a_file_outside_the_layout_is_an_error_naming_it(relative, reason):
    with pytest.raises(job.LogLayoutError, match=reason) as error:
        job.parse_log_path(relative, f"{ROOT}/{relative}", 1)
    assert error.value.path == f"{ROOT}/{relative}"


def test_discover_groups_by_table_oldest_first_and_filters_objects_in_any_case():
    listing = _listing(
        ("success/Invoice__c/run_id=b/env=dev/created_time=20250102000000/p.parquet", 1),
        ("success/Contact/run_id=b/env=dev/created_time=20250102000000/p.parquet", 1),
        ("failure/Contact/run_id=a/env=qa/created_time=20250101000000/p.parquet", 1),
        ("success/Contact/run_id=a/env=qa/created_time=20250101000000/p.parquet", 1),
    )
    tables = job.discover(listing)
    assert list(tables) == ["contact", "invoice__c"]
    assert [(f.run_id, f.status) for f in tables["contact"]] == [("a", "success"), ("a", "failure"), ("b", "success")]
    assert list(job.discover(listing, ["INVOICE__C"])) == ["invoice__c"]
    assert job.object_name(tables["invoice__c"]) == "Invoice__c"


# --- columns ---


@pytest.mark.parametrize(
    "field, column",
    [
        ("sf__Id", "sf_id"),
        ("sf__Created", "sf_created"),
        ("sf__Error", "sf_error"),
        ("sf__JobId", "sf_job_id"),
        ("FirstName", "firstname"),
        ("Account_Ext_Id__c", "account_ext_id__c"),
        ("Status__c", "status__c"),
        ("Status", "status__field"),
        ("ENV", "env__field"),
        ("Run_Id", "run_id__field"),
        ("Log_Created_Time", "log_created_time__field"),
    ],
)
def test_table_column_names(field, column):
    assert job.hive_column(field) == column


def test_a_new_table_has_the_fixed_columns_then_the_fields_as_they_first_appear():
    columns, added = job.plan_columns(
        None, [("Ext_Id__c", "LastName", "sf__Id", "sf__Created", "sf__JobId"), ("Ext_Id__c", "Title", "sf__Error")]
    )
    assert columns == [*job.METADATA_COLUMNS, "ext_id__c", "lastname", "title"]
    assert added == []


def test_an_existing_table_keeps_its_columns_and_appends_new_fields():
    existing = [*job.METADATA_COLUMNS, "ext_id__c", "lastname"]
    columns, added = job.plan_columns(existing, [("EXT_ID__C", "Email", "sf__Id"), ("Title", "email")])
    assert columns == existing + ["email", "title"]
    assert added == ["email", "title"]


def test_built_run_by_run_or_at_once_the_column_order_is_the_same():
    runs = [("Ext_Id__c", "LastName", "sf__Id"), ("Ext_Id__c", "LastName", "Title", "sf__Error"), ("Email", "sf__Id")]
    at_once, _ = job.plan_columns(None, runs)
    one_by_one = None
    for run in runs:
        one_by_one, _ = job.plan_columns(one_by_one, [run])
    assert one_by_one == at_once


# --- partitions to write ---


def _state(files):
    return {p: PartitionState(job.fingerprint(g), {"success": 1}) for p, g in job.by_partition(files).items()}


def test_full_writes_every_partition_with_logs():
    files = [_file("r1"), _file("r2")]
    assert job.plan_partitions("full", files, {("dev", "r1"), ("dev", "r2")}, _state(files)) == (
        [("dev", "r1"), ("dev", "r2")],
        [],
    )


def test_incremental_writes_only_new_and_changed_partitions():
    published = [_file("r1"), _file("r2"), _file("r3", env="qa")]
    state = _state(published)
    table = {f.partition for f in published}
    now = published + [
        _file("r2", created_time="20250101130000"),  # a resumed run wrote another directory
        _file("r4"),  # a new run
    ]
    assert job.plan_partitions("incremental", now, table, state) == ([("dev", "r2"), ("dev", "r4")], [])


def test_incremental_rewrites_a_file_replaced_with_another_size_and_a_partition_missing_from_the_table():
    files = [_file("r1"), _file("r2")]
    state = _state(files)
    resized = [_file("r1", size=11), _file("r2")]
    assert job.plan_partitions("incremental", resized, {("dev", "r1"), ("dev", "r2")}, state)[0] == [("dev", "r1")]
    assert job.plan_partitions("incremental", files, {("dev", "r1")}, state)[0] == [("dev", "r2")]


def test_without_a_recorded_state_incremental_writes_everything():
    files = [_file("r1"), _file("r2")]
    assert job.plan_partitions("incremental", files, {("dev", "r1")}, {}) == ([("dev", "r1"), ("dev", "r2")], [])


def test_both_modes_drop_table_partitions_that_have_no_logs():
    files = [_file("r1")]
    for mode in job.MODES:
        assert job.plan_partitions(mode, files, {("dev", "r1"), ("qa", "gone")}, _state(files))[1] == [("qa", "gone")]


def test_a_new_table_has_nothing_to_drop():
    assert job.plan_partitions("incremental", [_file("r1")], None, {}) == ([("dev", "r1")], [])


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError):
        job.plan_partitions("append", [], None, {})


# --- recorded state and reports ---


def test_the_state_survives_a_round_trip_and_anything_else_reads_as_empty():
    state = {("dev", "r1"): PartitionState("abc", {"success": 3, "failure": 1}), ("qa", "r1"): PartitionState("d", {})}
    assert job.state_from_json(job.state_to_json(state)) == state
    for text in (None, "", "not json", '{"version": 99, "partitions": []}', '{"version": 1}', "[]"):
        assert job.state_from_json(text) == {}


def test_fingerprints_ignore_order_and_see_names_sizes_and_directories():
    a, b = _file(name="p0.parquet"), _file(name="p1.parquet")
    assert job.fingerprint([a, b]) == job.fingerprint([b, a])
    assert job.fingerprint([a]) != job.fingerprint([_file(name="p0.parquet", size=11)])
    assert job.fingerprint([a]) != job.fingerprint([_file(name="p0.parquet", created_time="20250101120001")])


def test_counts_by_env_and_status_add_up_the_runs_and_leave_out_pairs_without_rows():
    in_table = {("dev", "r1", "success"): 3, ("dev", "r1", "failure"): 1, ("dev", "r2", "success"): 2}
    in_table.update({("qa", "r1", "failure"): 4, ("qa", "r1", "success"): 0})
    assert job.counts_by_env_and_status(in_table) == [
        {"env": "dev", "status": "failure", "rows": 1},
        {"env": "dev", "status": "success", "rows": 5},
        {"env": "qa", "status": "failure", "rows": 4},
    ]


def test_the_expected_counts_are_the_recorded_rows_of_each_partition_without_zeros():
    state = {
        ("dev", "r1"): PartitionState("x", {"success": 3, "failure": 0}),
        ("qa", "r1"): PartitionState("z", {"failure": 4}),
        ("qa", "r2"): PartitionState("e", {}),
    }
    assert job.expected_counts(state) == {("dev", "r1", "success"): 3, ("qa", "r1", "failure"): 4}


def test_counts_that_agree_give_no_differences():
    counts = {("dev", "r1", "success"): 3, ("qa", "r1", "failure"): 4}
    assert job.count_differences(counts, dict(counts)) == []
    assert job.count_differences({}, {}) == []


def test_lost_extra_and_missing_rows_are_differences_in_order():
    expected = {("dev", "r1", "success"): 10, ("dev", "r1", "failure"): 2, ("qa", "r1", "success"): 5}
    in_table = {("dev", "r1", "success"): 7, ("qa", "r1", "success"): 5, ("uat", "r9", "success"): 1}
    assert job.count_differences(expected, in_table) == [
        job.CountDifference("dev", "r1", "failure", in_logs=2, in_table=0),
        job.CountDifference("dev", "r1", "success", in_logs=10, in_table=7),
        job.CountDifference("uat", "r9", "success", in_logs=0, in_table=1),
    ]


def test_a_count_mismatch_is_one_line_naming_the_table_the_partitions_and_what_to_do():
    differences = [job.CountDifference("dev", f"r{i}", "success", in_logs=10, in_table=i) for i in range(5)]
    error = job.CountMismatchError("sfetl.contact", differences)
    assert isinstance(error, job.PublishError)
    assert (error.table, error.differences) == ("sfetl.contact", differences)
    assert str(error) == (
        "table sfetl.contact does not hold the rows of its logs after the publish "
        "(env=dev run_id=r0 success: 0 in the table, 10 in the logs; "
        "env=dev run_id=r1 success: 1 in the table, 10 in the logs; "
        "env=dev run_id=r2 success: 2 in the table, 10 in the logs; 2 more); "
        "publish again with --mode full to rewrite it from its logs, and if the counts still differ, "
        "check the table's storage location"
    )


# --- SQL and Spark's answers ---


def test_partition_specs_and_sql_text():
    assert job.parse_partition_spec("env=dev/run_id=20250101T120000Z-a1b2c3") == ("dev", "20250101T120000Z-a1b2c3")
    assert job.parse_partition_spec("env=dev/run_id=a%3Db") == ("dev", "a=b")
    assert job.create_table_sql("`d`.`t`", ["sf_id", "log_created_time", "we`ird"]) == (
        "CREATE TABLE IF NOT EXISTS `d`.`t` (`sf_id` STRING, `log_created_time` TIMESTAMP, `we``ird` STRING) "
        "PARTITIONED BY (`env` STRING, `run_id` STRING) STORED AS PARQUET"
    )
    assert job.add_columns_sql("t", ["title"]) == "ALTER TABLE t ADD COLUMNS (`title` STRING)"
    assert job.count_rows_sql("`d`.`t`") == (
        "SELECT env, run_id, status, COUNT(*) AS n FROM `d`.`t` GROUP BY env, run_id, status"
    )
    assert job.drop_partitions_sql("t", [("dev", "r1"), ("qa", "it's")]) == (
        "ALTER TABLE t DROP IF EXISTS PARTITION (env = 'dev', run_id = 'r1'), "
        "PARTITION (env = 'qa', run_id = 'it\\'s')"
    )


def test_describe_output_gives_columns_partitions_and_location():
    rows = [
        ("sf_id", "string"),
        ("title", "string"),
        ("env", "string"),
        ("run_id", "string"),
        ("# Partition Information", ""),
        ("# col_name", "data_type"),
        ("env", "string"),
        ("run_id", "string"),
        ("", ""),
        ("# Detailed Table Information", ""),
        ("Database", "sfetl"),
        ("Location", "s3://bucket/hive/sfetl.db/contact/"),
        ("Provider", "hive"),
    ]
    assert job.parse_describe(rows) == job.TableDescription(
        ["sf_id", "title"], ["env", "run_id"], "s3://bucket/hive/sfetl.db/contact"
    )


def test_the_file_a_spark_read_error_names():
    text = "Encountered error while reading file s3a://logs/success/C/run_id=1/env=d/created_time=1/p.parquet. Details:"
    assert job.failed_file(text) == "s3a://logs/success/C/run_id=1/env=d/created_time=1/p.parquet"
    assert job.failed_file("Could not read footer for file: file:/tmp/x/p.parquet") == "file:/tmp/x/p.parquet"
    assert job.failed_file("Table or view not found") is None


def test_local_settings_point_s3_and_s3a_at_the_emulator_and_keep_the_metastore_in_the_directory(tmp_path):
    settings = job.spark_settings(str(tmp_path), "http://127.0.0.1:5000", ["a.jar"])
    assert settings["spark.sql.sources.partitionOverwriteMode"] == "dynamic"
    assert settings["spark.hadoop.fs.s3.impl"] == "org.apache.hadoop.fs.s3a.S3AFileSystem"
    assert settings["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "false"
    assert str(tmp_path / "metastore_db") in settings["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert settings["spark.sql.warehouse.dir"] == str(tmp_path / "warehouse")
    assert "spark.hadoop.fs.s3a.endpoint" not in job.spark_settings()
    assert "spark.sql.warehouse.dir" not in job.spark_settings()


def test_arguments():
    args = job.parse_args(["--logs", "s3://b/p/", "--mode", "incremental", "--object", "Contact", "--object", "Lead"])
    assert (args.logs, args.database, args.mode) == ("s3://b/p/", "sfetl", "incremental")
    assert args.objects == ["Contact", "Lead"]
    with pytest.raises(SystemExit):
        job.parse_args(["--logs", "x", "--mode", "append"])


# --- what incremental counts after its write ---


def test_table_fingerprints_group_the_tables_files_by_partition_and_skip_hidden_ones():
    listing = [
        ("env=dev/run_id=r1/part-0.parquet", 10),
        ("env=dev/run_id=r1/.part-0.parquet.crc", 1),
        ("env=qa/run_id=it%27s/part-0.parquet", 12),
        ("_sfetl_publish_state.json", 99),
    ]
    prints = job.table_fingerprints(listing)
    assert set(prints) == {("dev", "r1"), ("qa", "it's")}
    assert prints[("dev", "r1")] != job.table_fingerprints([("env=dev/run_id=r1/part-0.parquet", 11)])[("dev", "r1")]


def test_incremental_counts_what_it_wrote_and_partitions_whose_files_changed_full_counts_everything():
    state = {
        ("dev", "r1"): PartitionState("a", {"success": 1}, "t1"),
        ("dev", "r2"): PartitionState("b", {"success": 1}, "t2"),
        ("dev", "r3"): PartitionState("c", {"success": 1}, ""),  # recorded before table files were
        ("dev", "r4"): PartitionState("d", {"success": 1}, "t4"),
    }
    listing = {("dev", "r1"): "t1", ("dev", "r2"): "changed", ("dev", "r3"): "t3", ("dev", "r4"): "t4x", ("dev", "x"): "e"}
    assert job.partitions_to_count("full", [("dev", "r4")], state, listing) is None
    assert job.partitions_to_count("incremental", [("dev", "r4")], state, listing) == [
        ("dev", "r2"), ("dev", "r3"), ("dev", "r4"), ("dev", "x"),
    ]  # fmt: skip
    assert job.count_rows_sql("t", [("dev", "r1"), ("qa", "it's")]) == (
        "SELECT env, run_id, status, COUNT(*) AS n FROM t WHERE (env = 'dev' AND run_id = 'r1') OR "
        "(env = 'qa' AND run_id = 'it\\'s') GROUP BY env, run_id, status"
    )
    assert job.count_rows_sql("t", []).endswith("WHERE false GROUP BY env, run_id, status")


def test_recorded_table_files_survive_the_round_trip():
    state = {("dev", "r1"): PartitionState("abc", {"success": 3}, "t1")}
    assert job.state_from_json(job.state_to_json(state)) == state


# --- footers ---

# Printed by parquet-mr 1.13.1 (pyspark 3.5's) MessageType.toString for a log file written by pyarrow.
_LOG_SCHEMA = """message schema {
  optional binary Ext_Id__c (STRING);
  optional binary Name (STRING);
  required binary sf__Id (STRING) = 3;
  optional binary Kind (ENUM);
  optional binary Raw;
}
"""


def test_a_schema_of_plain_strings_gives_its_column_names_in_order():
    assert job.string_columns(_LOG_SCHEMA) == ["Ext_Id__c", "Name", "sf__Id", "Kind", "Raw"]
    assert job.string_columns("message schema {\n}\n") == []


@pytest.mark.parametrize(
    "line",
    [
        "  optional int64 Amount (INTEGER(64,true));",
        "  optional binary Price (DECIMAL(10,2));",
        "  optional binary Doc (JSON);",
        "  repeated binary Tags (STRING);",
        "  optional group Address {",
        "  optional binary First Name (STRING);",
        "  optional fixed_len_byte_array(16) Key;",
    ],
)
def test_a_schema_with_any_other_column_is_left_to_the_column_by_column_read(line):
    assert job.string_columns(_LOG_SCHEMA.replace("  optional binary Raw;", line)) is None


def test_a_text_that_is_not_a_printed_schema_is_left_to_the_column_by_column_read():
    assert job.string_columns("") is None
    assert job.string_columns("optional binary Name (STRING);") is None
    assert job.string_columns(_LOG_SCHEMA.replace("message schema {", "message schema")) is None
