#!/usr/bin/env bash
# Regenerates examples/src/main/resources/data/co2/co2-concentration.csv from the npm registry.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack vega-datasets@2.8.0 >/dev/null
tar xzf vega-datasets-2.8.0.tgz package/data/co2-concentration.csv
cp package/data/co2-concentration.csv "$here/../src/main/resources/data/co2/co2-concentration.csv"
echo "wrote co2-concentration.csv"
