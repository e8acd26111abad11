"""Markup and code are recognised; ordinary French answers are not mistaken for them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.understanding.suspicious import looks_like_code


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('x')</script>",
        "<b>oui</b><img src=x onerror=alert(1)>",
        "'; DROP TABLE answers; --",
        "1 OR 1=1; SELECT * FROM diagnostics",
        "oui' OR 1=1",
        "javascript:alert(1)",
        "12000 UNION SELECT password",
        "import os; print('oui')",
        "if (ok) { return 'non'; }",
        "console.log('oui')",
    ],
)
def test_code_is_recognised(text: str) -> None:
    assert looks_like_code(text)


@pytest.mark.parametrize(
    "text",
    [
        "oui",
        "on a commencé mais rien n'est formalisé",
        "environ 12 000 habitants",
        "des LED et la télérelève de l'eau",
        "oui, l'adjointe au numérique ; elle arbitre",
        "non - pas encore",
        "moins de 5 000 m²",
        "3 < 5",
        "on a sélectionné un prestataire à partir de la liste",
        "Mairie de Saint-Jean",
        "oui (enfin presque) ; on a un DPO",
        "on imprime (print) nos rapports",
        "si (et seulement si) le maire valide",
    ],
)
def test_french_answers_are_not_code(text: str) -> None:
    assert not looks_like_code(text)


@given(st.text())
def test_never_raises(text: str) -> None:
    assert looks_like_code(text) in (True, False)
