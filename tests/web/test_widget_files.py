"""The widget's budget and rules that can be checked on its source."""

from __future__ import annotations

import gzip
import re

from bot.web.templating import STATIC_DIR

WIDGET_BUDGET = 20 * 1024  # bytes, JS + CSS, gzipped


def gzipped(name: str) -> int:
    return len(gzip.compress((STATIC_DIR / name).read_bytes(), compresslevel=9))


def test_the_widget_weighs_less_than_20_kb_gzipped() -> None:
    assert gzipped("widget.js") + gzipped("widget.css") < WIDGET_BUDGET


def test_the_widget_never_builds_html_from_text() -> None:
    source = (STATIC_DIR / "widget.js").read_text()
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", source)
    assert "attachShadow" in source
    assert "ce.get(TAG)" in source, "loading the script twice is harmless"


def test_the_widget_loads_nothing_from_elsewhere() -> None:
    for name in ("widget.js", "widget.css"):
        source = (STATIC_DIR / name).read_text()
        assert not re.search(r"https?://(?!www\.w3\.org)", source.split("*/", 1)[1]), name
