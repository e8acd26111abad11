"""``python -m bot authorities load|status`` and ``python -m bot find-authority`` on the fixture."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from tests.authorities.packs import make_pack

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'diagnostic.db'}"


def run(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--database-url", url, *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_find_authority_before_any_load_says_what_to_do(capsys, url: str) -> None:
    code, out, err = run(capsys, url, "find-authority", "Uzès")
    assert (code, out) == (1, "")
    assert "python -m bot authorities load" in err
    code, out, _ = run(capsys, url, "authorities", "status")
    assert code == 1 and "pas chargé" in out


def test_load_then_find(capsys, url: str, tmp_path: Path) -> None:
    pack = make_pack(tmp_path)
    code, out, _ = run(capsys, url, "authorities", "load", "--from", str(pack))
    assert code == 0
    assert out.startswith(f"Découpage administratif 6.0.0 chargé depuis {pack.name} : ")
    code, out, _ = run(capsys, url, "authorities", "load", "--from", str(pack))
    assert (code, out) == (0, f"Découpage administratif 6.0.0 déjà chargé ({pack.name}) : rien à faire.\n")
    code, out, _ = run(capsys, url, "authorities", "status")
    assert code == 0 and "@etalab/decoupage-administratif 6.0.0" in out and "10 EPCI" in out

    code, out, _ = run(capsys, url, "find-authority", "mairie d'uzes")
    assert code == 0
    candidates = json.loads(out)["candidates"]
    found = [
        (c["name"], c["kind"], c["code"], c["departement"], c["population"], c["score"]) for c in candidates
    ]
    assert found == [("Uzès", "commune", "30334", {"code": "30", "name": "Gard"}, 8519, 1.0)]
    code, out, _ = run(capsys, url, "find-authority", "Sainte-Colombe", "--limit", "3")
    assert len(json.loads(out)["candidates"]) == 3
    code, out, _ = run(capsys, url, "find-authority", "cc pays d'uzes")
    best = json.loads(out)["candidates"][0]
    assert (best["name"], best["kind"], best["code"], best["departement"]["code"]) == (
        "CC Pays d'Uzès",
        "CC",
        "200034379",
        "30",
    )
    code, out, _ = run(capsys, url, "find-authority", "syndicat des eaux")
    assert (code, json.loads(out)) == (0, {"candidates": []})


def test_an_older_pack_does_not_replace_a_newer_one(capsys, url: str, tmp_path: Path) -> None:
    run(capsys, url, "authorities", "load", "--from", str(make_pack(tmp_path, version="6.1.0")))
    older = make_pack(tmp_path, version="6.0.0")
    code, out, _ = run(capsys, url, "authorities", "load", "--from", str(older))
    assert code == 0 and "6.1.0, plus récente que 6.0.0" in out
    code, out, _ = run(capsys, url, "authorities", "load", "--from", str(older), "--force")
    assert code == 0 and "6.0.0 chargé" in out


def test_a_missing_pack_is_an_error_in_french(capsys, url: str, tmp_path: Path) -> None:
    code, _, err = run(capsys, url, "authorities", "load", "--from", str(tmp_path / "absent.tgz"))
    assert code == 1 and "Impossible de lire" in err


def test_python_m_bot_find_authority(url: str, tmp_path: Path) -> None:
    pack = make_pack(tmp_path)
    command = [sys.executable, "-m", "bot", "--database-url", url]
    subprocess.run([*command, "authorities", "load", "--from", str(pack)], cwd=REPO_ROOT, check=True,
                   capture_output=True)
    done = subprocess.run([*command, "find-authority", "St Etienne"], cwd=REPO_ROOT, check=True,
                          capture_output=True, text=True)
    assert json.loads(done.stdout)["candidates"][0]["name"] == "Saint-Étienne"
