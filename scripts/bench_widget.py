"""Gzipped weight of the widget (JS + CSS) against the stock rasa-webchat 1.0.1.

Reads rasa-webchat from the local npm pack in var/npm-cache/ (scripts/install-browser.sh
makes it), prints both figures and writes them to benchmarks/widget.md.
Usage: .venv/bin/python scripts/bench_widget.py (or make bench-widget).
"""

from __future__ import annotations

import gzip
import sys
import tarfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "bot" / "web" / "static"
WEBCHAT_PACK = ROOT / "var" / "npm-cache" / "rasa-webchat-1.0.1.tgz"
WEBCHAT_FILE = "package/lib/index.js"
REPORT = ROOT / "benchmarks" / "widget.md"
BUDGET = 20 * 1024


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def kb(size: int) -> str:
    """1 Ko = 1 024 octets, French decimal comma."""
    return f"{size / 1024:.1f} Ko".replace(".", ",")


def octets(size: int) -> str:
    return f"{size:,}".replace(",", "\u202f")


def main() -> int:
    if not WEBCHAT_PACK.exists():
        print(f"{WEBCHAT_PACK} est absent : lancez scripts/install-browser.sh.", file=sys.stderr)
        return 1
    js = (STATIC / "widget.js").read_bytes()
    css = (STATIC / "widget.css").read_bytes()
    with tarfile.open(WEBCHAT_PACK) as pack:
        member = pack.extractfile(WEBCHAT_FILE)
        if member is None:
            print(f"{WEBCHAT_FILE} est introuvable dans {WEBCHAT_PACK.name}.", file=sys.stderr)
            return 1
        webchat = member.read()
    ours = gz(js) + gz(css)
    rows = [
        ("widget.js", len(js), gz(js)),
        ("widget.css", len(css), gz(css)),
        ("**notre widget (JS + CSS)**", len(js) + len(css), ours),
        ("rasa-webchat 1.0.1, lib/index.js", len(webchat), gz(webchat)),
    ]
    lines = [
        "# Poids du widget",
        "",
        f"Mesuré le {date.today().isoformat()} par `make bench-widget` (gzip niveau 9). Budget : "
        f"{kb(BUDGET)} compressés pour le widget entier.",
        "",
        "| fichier | brut | gzip | gzip (octets) |",
        "|---|---:|---:|---:|",
        *(f"| {name} | {kb(raw)} | {kb(packed)} | {octets(packed)} |" for name, raw, packed in rows),
        "",
        f"Notre widget pèse {ours / gz(webchat) * 100:.1f}".replace(".", ",")
        + f" % du poids de rasa-webchat 1.0.1 ({'dans' if ours < BUDGET else 'HORS'} le budget).",
        "",
    ]
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines), encoding="utf-8")
    for name, raw, packed in rows:
        label = name.strip("*")
        print(f"{label:34} brut {octets(raw):>9} octets   gzip {octets(packed):>9} octets ({kb(packed)})")
    print(f"Écrit dans {REPORT.relative_to(ROOT)}.")
    return 0 if ours < BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
