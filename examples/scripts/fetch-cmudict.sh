#!/usr/bin/env bash
# Regenerates examples/src/main/resources/data/cmudict/*.gz: the standard CMUdict grapheme-to-phoneme
# split (train minus dev, dev, test) as CNTK's G2P example ships it, gzipped unchanged.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../src/main/resources/data/cmudict"
commit=e642ef5075d55090ca4db7568d24b9aa1fc333c1
base="https://raw.githubusercontent.com/HaisongDing/CNTK/$commit/Examples/SequenceToSequence/CMUDict/Data"
mkdir -p "$out"
for f in cmudict-0.7b.train-dev-20-21 cmudict-0.7b.train-dev-1-21 cmudict-0.7b.test; do
    curl -fsSL "$base/$f" | gzip -9n > "$out/$f.gz"
    echo "wrote $f.gz"
done
