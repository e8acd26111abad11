"""Where the content files are (``bot/content/``), and the one reader of a YAML mapping they
share: each loader then checks its own file (questionnaire, catalogue, phrases, groups)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CONTENT_DIR = Path(__file__).parent / "content"


def read_yaml_mapping(path: Path, error: type[Exception]) -> dict[str, Any]:
    """A content file that holds a YAML mapping; ``error`` says what is wrong with it, in French."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"impossible de lire {path} : {exc}") from exc
    except yaml.YAMLError as exc:
        raise error(f"{path} n'est pas un YAML valide : {exc}") from exc
    if not isinstance(raw, dict):
        raise error(f"{path} doit être un dictionnaire YAML")
    return raw
