#!/usr/bin/env bash
# Fetches the German-English sentence pairs of the translation example: the Ding dictionary's
# word list from Debian's package trans-de-en (GPL-2+, so fetched on first use, never committed).
# Usage: fetch-trans-de-en.sh [destination file]   (default target/data/trans-de-en/de-en)
set -euo pipefail
dest="${1:-target/data/trans-de-en/de-en}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
if command -v apt-get >/dev/null && apt-get download trans-de-en >/dev/null 2>&1; then
    :
else
    curl -fsSLO "http://deb.debian.org/debian/pool/main/d/ding/trans-de-en_1.9-6_all.deb"
fi
deb="$(ls trans-de-en_*_all.deb)"
ar x "$deb" data.tar.xz
tar xJf data.tar.xz ./usr/share/trans/de-en ./usr/share/doc/trans-de-en/copyright
cd - >/dev/null
mkdir -p "$(dirname "$dest")"
cp "$work/usr/share/trans/de-en" "$dest"
cp "$work/usr/share/doc/trans-de-en/copyright" "$(dirname "$dest")/copyright"
echo "wrote $dest from $deb (licence: GPL-2+, see $(dirname "$dest")/copyright)"
