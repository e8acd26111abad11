"""The fixture division (tests/authorities/fixture/, extracted by make_fixture.py) as an npm pack.

``make_pack`` writes it as the tarball ``npm pack`` makes (``package/…``), optionally with
another version or edited data, so that the loader is tested on the real path.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.authorities.division import Division
from bot.authorities.pack import read_pack

FIXTURE = Path(__file__).resolve().parent / "fixture" / "package"


def fixture_files() -> dict[str, Any]:
    return {
        path.relative_to(FIXTURE).as_posix(): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(FIXTURE.rglob("*.json"))
    }


def make_pack(
    directory: Path, version: str | None = None, edit: Callable[[dict[str, Any]], None] | None = None
) -> Path:
    """A tarball of the fixture (same bytes for the same content: no time stamps)."""
    files = fixture_files()
    if version is not None:
        files["package.json"]["version"] = version
    if edit is not None:
        edit(files)
    tarball = directory / f"etalab-decoupage-administratif-{files['package.json']['version']}.tgz"
    with (
        tarball.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w") as archive,
    ):
        for name, content in files.items():
            data = json.dumps(content, ensure_ascii=False).encode("utf-8")
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return tarball


def fixture_division(directory: Path) -> Division:
    return read_pack(make_pack(directory))
