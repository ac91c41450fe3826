#!/usr/bin/env python3
"""Spanish-English verse pairs from two public-domain Bibles in Debian's SWORD modules:
the Reina-Valera 1909 (sword-text-sparv, module spaRV1909eb) and the World English Bible
(sword-text-web, module engWEB2015eb), read with diatheke in OSIS form, Genesis to Revelation.

    apt-get install -y sword-text-sparv sword-text-web diatheke
    python3 examples/scripts/bible-pairs.py > bible-es-en.tsv

Output: book, chapter, verse, Spanish, English, tab-separated, one verse a line, in canonical
order. Cleaning: OSIS word elements are separated by spaces from each other and from the letters
around them (the plain format glues "God</w><w>created" into "Godcreated", and "en<w>Jesús" into
"enJesús"), other markup dropped, whitespace collapsed. A WEB psalm's title comes before
the verse key on every verse of the psalm; it is kept on verse 1 only, where the RV1909 has it as
part of the verse. Verses that one module lacks or leaves empty (numbering differences) are
dropped, and counted on stderr.
"""
import re
import subprocess
import sys

KEY = re.compile(r"((?:[1-3] )?[A-Z][A-Za-z ]+?) (\d+):(\d+): ")
RANGE = "Genesis 1:1-Revelation 22:21"


def verses(module):
    out = subprocess.run(["diatheke", "-b", module, "-f", "OSIS", "-k", RANGE], capture_output=True, check=True,
                         text=True).stdout
    found = {}
    order = []
    current = None
    for line in out.splitlines():
        if line.strip() == "(" + module + ")":
            continue
        m = KEY.search(line)
        if m is None:   # a verse wrapped over lines
            if current is not None:
                found[current][1].append(line)
            continue
        key = (m.group(1), int(m.group(2)), int(m.group(3)))
        heading = line[:m.start()].strip()
        if key not in found:
            order.append(key)
        found[key] = [heading, [line[m.end():]]]
        current = key
    return order, {k: (h, clean(" ".join(t))) for k, (h, t) in found.items()}


def clean(osis):
    s = re.sub(r"<note\b.*?</note>", " ", osis)
    s = re.sub(r"<title\b.*?</title>", " ", s)
    s = s.replace("</w><w", "</w> <w")
    s = re.sub(r"(\w)<w\b", r"\1 <w", s)    # "en<w>Jesús</w>" in the RV1909
    s = re.sub(r"</w>(\w)", r"</w> \1", s)
    s = re.sub(r"([!?.,;:][\u2019\u201d]?)<w\b", r"\1 <w", s)   # "he!\u2019<w>and" in the WEB
    s = re.sub(r"<[^>]+>", "", s)
    s = s.replace("\u00b6", " ")
    return re.sub(r"\s+", " ", s).strip()


def main():
    es_order, es = verses("spaRV1909eb")
    _, en = verses("engWEB2015eb")
    kept = empty = missing = 0
    for key in es_order:
        if key not in en:
            missing += 1
            continue
        s = es[key][1]
        heading, e = en[key]
        if key[0] == "Psalms" and key[2] == 1 and heading:
            e = heading + " " + e
        if not s or not e:
            empty += 1
            continue
        print("%s\t%d\t%d\t%s\t%s" % (key[0], key[1], key[2], s, e))
        kept += 1
    print("kept %d pairs; %d Spanish verses have no English key, %d pairs have an empty side; %d English verses"
          " (the deuterocanon among them) have no Spanish" % (kept, missing, empty, len(set(en) - set(es))),
          file=sys.stderr)


if __name__ == "__main__":
    main()
