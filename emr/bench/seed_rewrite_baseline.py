"""BENCHMARK BASELINE ONLY — not part of the product. The seed's style of publish, kept to measure against.

One glob over every log file, ``regexp_extract`` on the file path for run_id, env and created_time, and
``saveAsTable`` overwrite per object (which drops and recreates the table: partitions, properties and grants
are lost, and nothing is checked). emr/log_to_hive.py must be at least as fast as this in full mode on the
same logs (docs/benchmarks.md, "PySpark publish against the seed-style rewrite").

    python emr/bench/seed_rewrite_baseline.py --logs <dir> --local-hive-dir <dir> [--master local[2]]

Prints one JSON line: {"seconds": <job time>, "tables": {<table>: <rows>}}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

_PATH = r"/(success|failure)/([^/]+)/run_id=([^/]+)/env=([^/]+)/created_time=(\d{14})/"


def rewrite(spark: SparkSession, logs: str, database: str) -> dict:
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {database}")
    # One glob over every log: schemas merged, path values pulled out of the file name.
    df = (
        spark.read.option("mergeSchema", "true")
        .option("recursiveFileLookup", "true")
        .parquet(f"{logs.rstrip('/')}/{{success,failure}}/*")
        .withColumn("_path", F.input_file_name())
    )
    df = (
        df.withColumn("status", F.regexp_extract("_path", _PATH, 1))
        .withColumn("object", F.regexp_extract("_path", _PATH, 2))
        .withColumn("run_id", F.regexp_extract("_path", _PATH, 3))
        .withColumn("env", F.regexp_extract("_path", _PATH, 4))
        .withColumn("log_created_time", F.to_timestamp(F.regexp_extract("_path", _PATH, 5), "yyyyMMddHHmmss"))
        .drop("_path")
    )
    tables = []
    for obj in sorted(r[0] for r in df.select("object").distinct().collect()):
        table = f"{database}.{obj.lower()}"
        part = df.where(F.col("object") == obj).drop("object")
        part = part.toDF(*[c.lower().replace("sf__", "sf_") for c in part.columns])
        part.write.mode("overwrite").format("parquet").saveAsTable(table)
        tables.append(table)
    return tables


def main(argv) -> int:
    parser = argparse.ArgumentParser(prog="seed_rewrite_baseline.py")
    parser.add_argument("--logs", required=True)
    parser.add_argument("--local-hive-dir", required=True)
    parser.add_argument("--database", default="seed")
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args(argv)
    hive = os.path.abspath(args.local_hive_dir)
    spark = (
        SparkSession.builder.master(args.master)
        .appName("seed-rewrite-baseline")
        .config("spark.sql.warehouse.dir", os.path.join(hive, "warehouse"))
        .config("spark.hadoop.javax.jdo.option.ConnectionURL", f"jdbc:derby:;databaseName={hive}/metastore_db;create=true")
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={hive}")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .enableHiveSupport()
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    started = time.monotonic()
    try:
        tables = rewrite(spark, args.logs, args.database)
        seconds = time.monotonic() - started
        # Outside the timed part: the seed checks nothing, the count only shows the rewrite is complete.
        rows = {table: spark.table(table).count() for table in tables}
    finally:
        spark.stop()
    print(json.dumps({"seconds": round(seconds, 3), "tables": rows}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
