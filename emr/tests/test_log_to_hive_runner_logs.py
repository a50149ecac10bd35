"""The job on local Spark with a Hive metastore, over logs the real runner wrote (3 runs × 4 envs)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import log_to_hive
import log_trees
import runner_sources

OBJECTS = {"account": "Account", "contact": "Contact", "invoice__c": "Invoice__c", "lead": "Lead"}


@pytest.fixture(scope="module")
def full(spark, runner_logs):
    """Every object published in full mode from moto through s3a."""
    return log_to_hive.publish(spark, runner_logs.s3a_root, "full_s3a")


def _report(report, table):
    return next(t for t in report["tables"] if t["table"] == table)


def _location(spark, table) -> Path:
    return Path(log_to_hive.describe_table(spark, table).location.replace("file:", "", 1))


def test_each_object_gets_its_table_named_after_it_in_lower_case(full):
    assert [(t["object"], t["table"], t["created"]) for t in full["tables"]] == [
        (name, f"full_s3a.{table}", True) for table, name in OBJECTS.items()
    ]


def test_counts_by_env_run_and_status_equal_the_log_files(spark, full, runner_logs):
    for table, obj in OBJECTS.items():
        in_files = log_trees.counts(runner_logs.local_root, obj)
        in_table = Counter(
            {
                (r.env, r.run_id, r.status): r.n
                for r in spark.sql(
                    f"SELECT env, run_id, status, COUNT(*) AS n FROM full_s3a.{table} GROUP BY env, run_id, status"
                ).collect()
            }
        )
        assert in_table == in_files, table
        by_env_status = Counter()
        for (env, _, status), n in in_files.items():
            by_env_status[(env, status)] += n
        reported = {(c["env"], c["status"]): c["rows"] for c in _report(full, f"full_s3a.{table}")["counts"]}
        assert reported == dict(by_env_status), table
    contact_partitions = {(env, run) for env, run, _ in log_trees.counts(runner_logs.local_root, "Contact")}
    assert contact_partitions == {(e, r) for e in runner_sources.ENVS for r in runner_sources.RUNS}


def test_every_row_holds_the_values_of_its_log_row(spark, full, runner_logs):
    for table, obj in OBJECTS.items():
        columns, rows = log_trees.table_rows(spark, f"full_s3a.{table}")
        assert rows == log_trees.expected_rows(runner_logs.local_root, obj, columns), table


def test_log_created_time_is_the_created_time_directory_in_utc(spark, full, runner_logs):
    directories = {
        (values["run_id"], values["env"], status, values["created_time"])
        for status, values, _ in log_trees.log_files(runner_logs.local_root, "Contact")
    }
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    in_table = {
        tuple(r)
        for r in spark.sql(
            "SELECT DISTINCT run_id, env, status, date_format(log_created_time, 'yyyyMMddHHmmss') "
            "FROM full_s3a.contact"
        ).collect()
    }
    assert in_table == directories


def test_columns_are_the_fixed_ones_then_the_fields_then_env_and_run_id(spark, full):
    types = {c.name: (c.dataType, c.isPartition) for c in spark.catalog.listColumns("full_s3a.contact")}
    assert list(types) == [
        *log_to_hive.METADATA_COLUMNS,
        "ext_id__c",
        "firstname",
        "lastname",
        "email",
        "account_ext_id__c",
        "title",
        "env",
        "run_id",
    ]
    assert {c: t for c, t in types.items() if t != ("string", False)} == {
        "log_created_time": ("timestamp", False),
        "env": ("string", True),
        "run_id": ("string", True),
    }
    invoice = [c.name for c in spark.catalog.listColumns("full_s3a.invoice__c")]
    assert "account__r_ext_id__c" in invoice and "status__c" in invoice


def test_a_column_that_appears_in_run_3_is_null_before_it(spark, full):
    titles = {
        (r.run_id, r.has_title)
        for r in spark.sql(
            "SELECT DISTINCT run_id, title IS NOT NULL AS has_title FROM full_s3a.contact WHERE status = 'success'"
        ).collect()
    }
    assert titles == {("run-1", False), ("run-2", False), ("run-3", True)}


def test_the_status_field_of_lead_is_kept_apart_from_the_status_column(spark, full):
    rows = spark.sql("SELECT status, status__field FROM full_s3a.lead").collect()
    assert {r.status for r in rows} == {"success"}
    assert {r.status__field for r in rows} == {"Open - Not Contacted", "Working - Contacted", "Closed - Converted"}


def test_an_object_without_failure_logs_has_success_rows_only(spark, full):
    assert {r.status for r in spark.sql("SELECT DISTINCT status FROM full_s3a.account").collect()} == {"success"}
    failures = spark.sql("SELECT sf_error, sf_job_id FROM full_s3a.contact WHERE status = 'failure'").collect()
    assert any(r.sf_error.startswith("INVALID_EMAIL_ADDRESS") for r in failures)
    rejected = [r for r in failures if r.sf_error.startswith("SFETL_COLUMN_COUNT")]
    assert len(rejected) == len(runner_sources.ENVS) and all(r.sf_job_id == "" for r in rejected)


def test_local_paths_give_the_same_tables_as_s3a(spark, full, runner_logs):
    local = log_to_hive.publish(spark, str(runner_logs.local_root), "full_local")
    for table in OBJECTS:
        assert log_trees.table_rows(spark, f"full_local.{table}") == log_trees.table_rows(spark, f"full_s3a.{table}")
        assert _report(local, f"full_local.{table}")["counts"] == _report(full, f"full_s3a.{table}")["counts"]


def test_incremental_run_by_run_gives_the_same_tables_as_full(spark, full, runner_logs, tmp_path):
    growing = tmp_path / "logs"
    for run in runner_sources.RUNS:
        log_trees.copy_runs(runner_logs.local_root, growing, [run])
        report = log_to_hive.publish(spark, str(growing), "incremental", mode="incremental")
        contact = _report(report, "incremental.contact")
        assert contact["partitionsWritten"] == len(runner_sources.ENVS), run
        assert contact["columnsAdded"] == (["title"] if run == "run-3" else []), run
    for table in OBJECTS:
        assert log_trees.table_rows(spark, f"incremental.{table}") == log_trees.table_rows(
            spark, f"full_s3a.{table}"
        ), table


def test_publishing_again_changes_nothing(spark, full, runner_logs):
    before = {t: log_trees.table_rows(spark, f"full_s3a.{t}") for t in OBJECTS}
    again = log_to_hive.publish(spark, runner_logs.s3a_root, "full_s3a")
    assert [t["created"] for t in again["tables"]] == [False] * len(OBJECTS)
    assert all(t["columnsAdded"] == [] and t["partitionsDropped"] == 0 for t in again["tables"])
    assert {t: log_trees.table_rows(spark, f"full_s3a.{t}") for t in OBJECTS} == before

    files = {t: log_trees.tree_snapshot(_location(spark, f"full_s3a.{t}")) for t in OBJECTS}
    incremental = log_to_hive.publish(spark, runner_logs.s3a_root, "full_s3a", mode="incremental")
    assert [(t["partitionsWritten"], t["partitionsDropped"]) for t in incremental["tables"]] == [(0, 0)] * len(OBJECTS)
    assert {t: log_trees.tree_snapshot(_location(spark, f"full_s3a.{t}")) for t in OBJECTS} == files
    assert [t["counts"] for t in incremental["tables"]] == [t["counts"] for t in full["tables"]]
