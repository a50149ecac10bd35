#!/usr/bin/env bash
# Fetches the jars local Spark needs to read s3a:// (hadoop-aws and its aws-java-sdk-bundle, listed in
# spark-jars.ivy.xml) into .sfetl/jars/, resolved from Maven Central by the Ivy that pyspark ships, and
# checks them against the sha256 sums below. Needs the venv (npm run setup:python) and Java 17.
# Idempotent: returns at once when the jars are there and were verified (a stamp in .sfetl/jars).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.sfetl/jars
# The sums of the jars as Maven Central serves them; a change here is a deliberate upgrade.
pins="53f9ae03c681a30a50aa17524bd9790ab596b28481858e54efd989a826ed3a4a  hadoop-aws-3.3.4.jar
873fe7cf495126619997bec21c44de5d992544aea7e632fdc77adb1a0915bae5  aws-java-sdk-bundle-1.12.262.jar"
stamp=$dest/.verified

up_to_date() {
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pins" ] || return 1
  while read -r _ jar; do [ -f "$dest/$jar" ] || return 1; done <<<"$pins"
}

up_to_date && exit 0
mkdir -p "$dest"
# One fetch at a time (jest, pytest and `sfetl publish` may all ask on a fresh clone).
if command -v flock >/dev/null; then
  exec 9>"$dest/.lock"
  flock 9
  up_to_date && exit 0
fi

python=.venv/bin/python
if [ ! -x "$python" ]; then
  echo "setup:spark-jars: no .venv; run 'npm run setup:python' first" >&2
  exit 1
fi
ivy_jar=$("$python" -c 'import glob, os, pyspark; print(sorted(glob.glob(os.path.join(os.path.dirname(pyspark.__file__), "jars", "ivy-*.jar")))[-1])')
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
if ! "$java" -version >/dev/null 2>&1; then
  echo "setup:spark-jars: Java is missing; install Java 17 (local Spark needs it) or set JAVA_HOME" >&2
  exit 1
fi

echo "setup:spark-jars: fetching hadoop-aws 3.3.4 and aws-java-sdk-bundle 1.12.262 (~270 MB) into $dest" >&2
work=$(mktemp -d "$dest/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! "$java" -jar "$ivy_jar" -ivy build-tools/spark-jars.ivy.xml -confs default -cache "$work/cache" \
  -retrieve "$work/jars/[artifact]-[revision].[ext]" >"$work/ivy.log" 2>&1; then
  tail -n 20 "$work/ivy.log" >&2
  echo "setup:spark-jars: Ivy could not fetch the jars (output above); check the network and run again" >&2
  exit 1
fi
(cd "$work/jars" && sha256sum --check --quiet <<<"$pins") || {
  echo "setup:spark-jars: checksum mismatch; the jars were not installed" >&2
  exit 1
}
while read -r _ jar; do mv -f "$work/jars/$jar" "$dest/$jar"; done <<<"$pins"
echo "$pins" >"$stamp"
echo "setup:spark-jars: done" >&2
