"""Pages of the decision letter when printed on A4, for the 18 samples and their gold courses.

Renders each letter as HTML, prints it with headless chromium (Debian package `chromium`)
to PDF and counts the pages; also checks that no internal name (a snake_case identifier,
a Python value, a brace) shows in the letter's text. Prints one row per letter and a count.

    PYTHONPATH=$PWD HF_HUB_OFFLINE=1 python benchmarks/letter_pages.py [--chromium chromium]
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime as dt
import re
import subprocess
import tempfile
from pathlib import Path

from recognition_engine import Engine, load_catalogue
from recognition_engine.assessment import Assessor
from recognition_engine.explain import to_html, to_text
from recognition_engine.loaders import load_credentials
from recognition_engine.paths import examples_dir

INTERNAL = re.compile(r"\b[a-z]+_[a-z_]+\b|\bNone\b|\bTrue\b|\bFalse\b|[{}]|Verdict\.|Outcome\.")
PAGE = re.compile(rb"/Type\s*/Page[^s]")


def pdf_pages(chromium: str, html_file: Path, pdf_file: Path) -> int:
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf_file}", html_file.as_uri()], check=True, capture_output=True, timeout=120)
    return len(PAGE.findall(pdf_file.read_bytes()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="chromium")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 1))
    args = parser.parse_args()
    root = examples_dir()
    assessor = Assessor(Engine(load_catalogue(root / "catalogue.yaml")))
    with open(root / "gold.csv", encoding="utf-8") as fh:
        gold = [(r["credential_id"], r["course_id"]) for r in csv.DictReader(fh)]
    pages: collections.Counter[int] = collections.Counter()
    print(f"{'credential':28} {'course':7} {'outcome':25} {'A4 pages':>8}  internal names")
    with tempfile.TemporaryDirectory() as tmp:
        for cid, course in gold:
            a = assessor.assess(load_credentials(root / "credentials" / f"{cid}.yaml")[0], course, args.as_of)
            html_file = Path(tmp) / f"{cid}-{course}.html"
            html_file.write_text(to_html(a), encoding="utf-8")
            n = pdf_pages(args.chromium, html_file, Path(tmp) / "letter.pdf")
            pages[n] += 1
            leaks = sorted(set(INTERNAL.findall(to_text(a).replace("policy_default.yaml", ""))))
            print(f"{cid:28} {course:7} {a.outcome.value:25} {n:>8}  {', '.join(leaks) or '-'}")
    print()
    print("  ".join(f"{n} page(s): {k}" for n, k in sorted(pages.items())))


if __name__ == "__main__":
    main()
