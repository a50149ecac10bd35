#!/usr/bin/env bash
# Salesforce's own CLI (@salesforce/cli) for the conformance tests (test/conformance/sf-cli-conformance.integ.test.ts),
# installed into .sfetl/sf-cli apart from the project's node_modules: it is a client under test, not a dependency
# of sfetl, and its ~900 packages stay out of package-lock.json.
# Idempotent: installs only when missing or when the pinned version (the first argument, from .projenrc.ts) changed.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: setup-sf-cli.sh <@salesforce/cli version>}
dir=.sfetl/sf-cli
stamp=$dir/.installed-version
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ] && [ -f "$dir/node_modules/@salesforce/cli/bin/run.js" ]; then
  exit 0
fi
echo "setup:sf-cli: installing @salesforce/cli@$version into $dir (once; about 100 MB from the npm registry)" >&2
rm -rf "$dir"
mkdir -p "$dir"
# A package.json of its own, so npm installs here and not into the project.
printf '{\n  "name": "sfetl-sf-cli",\n  "private": true\n}\n' > "$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error --omit=dev "@salesforce/cli@$version" >&2
echo "$version" > "$stamp"
