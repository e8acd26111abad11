"""A whole diagnostic in the widget embedded in the demo commune site, then its report.

Buttons, checkboxes and typed French answers are mixed; half-way the page is reloaded and,
later, the person moves to another page of the commune's site: the conversation goes on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from bot.questionnaire import default_questionnaire
from tests.browser.conftest import SCREENSHOTS, Stack, screenshot
from tests.browser.widget import Widget

pytestmark = pytest.mark.browser

# question id -> (how, what, stored value). "click": a button; "check": checkboxes + Valider;
# "type": typed in the text field.
PLAN: dict[str, tuple[str, Any, Any]] = {
    "nom_collectivite": ("type", "Saint-Martin-sur-Loire", "Saint-Martin-sur-Loire"),  # not in the division
    "type_collectivite": ("click", "Commune", "commune"),
    "population": ("type", "environ douze mille habitants", 12000),
    "nombre_agents": ("type", "à peu près 180 agents", 180),
    "role_repondant": ("type", "je suis DST", "direction_technique"),
    "strategie_projet_formalise": ("type", "on a commencé mais rien n'est formalisé", "en_partie"),
    "strategie_portage_politique": ("click", "Oui", "oui"),
    "strategie_services_impliques": ("type", "pas vraiment", "non"),
    "strategie_premiere_action": ("click", "Non", "non"),
    "citoyens_attentes": ("check", ["eclairage_public", "mobilite"], ["eclairage_public", "mobilite"]),
    "citoyens_besoins_connus": ("type", "oui, une enquête en 2023", "oui"),
    "citoyens_outil_unique": ("click", "Non", "non"),
    "citoyens_outil_lequel": ("type", "une application de signalement", "une application de signalement"),
    "citoyens_communication": ("click", "En partie", "en_partie"),
    "citoyens_participation": ("type", "oui, on a un budget participatif", "oui"),
    "donnees_inventaire": ("click", "Non", "non"),
    "donnees_ouverture": ("type", "non", "non"),
    "donnees_outils_ouverts": ("click", "Je ne sais pas", "ne_sait_pas"),
    "donnees_marches_interop": ("type", "non, jamais", "non"),
    "donnees_rgpd": ("click", "Oui", "oui"),
    "organisation_pilote": ("type", "oui", "oui"),
    "organisation_competences": ("click", "En partie", "en_partie"),
    "organisation_formation": ("type", "non", "non"),
    "infrastructures_initiatives": ("type", "des LED et la télérelève de l'eau", ["eclairage_public", "eau"]),
    "infrastructures_patrimoine_connu": ("click", "En partie", "en_partie"),
    "infrastructures_surface_batiments": ("type", "environ 8 000 m²", 8000),
    "infrastructures_reseaux": ("click", "Oui", "oui"),
    "durable_suivi_consommations": ("type", "partiellement", "en_partie"),
    "durable_pression_budget": ("click", "4", 4),
    "durable_financement": ("click", "Non", "non"),
    "durable_evaluation": ("type", "non", "non"),
}
RELOAD_BEFORE = "donnees_inventaire"
NAVIGATE_BEFORE = "organisation_pilote"
SCREENSHOT_AT = "citoyens_attentes"


@dataclass
class Run:
    sender: str
    report_url: str
    exported: dict[str, Any]
    progress_seen: list[str] = field(default_factory=list)
    after_reload: dict[str, Any] = field(default_factory=dict)
    after_navigation: dict[str, Any] = field(default_factory=dict)
    result_text: str = ""


def _answer(widget: Widget, question_id: str) -> None:
    how, what, _ = PLAN[question_id]
    if how == "click":
        widget.click(what)
    elif how == "check":
        question = default_questionnaire().question(question_id)
        widget.check([question.label_of(code) for code in what])
    else:
        widget.type(what)


def _snapshot(widget: Widget) -> dict[str, Any]:
    return {
        "bot": widget.bot_messages.count(),
        "user": widget.user_messages.count(),
        "progress": widget.progress(),
        "question": (widget.current_question() or {}).get("question_id"),
        "panel_visible": widget.panel.is_visible(),
        "choices": widget.choices.locator("button, input").count(),
    }


@pytest.fixture(scope="module")
def run(stack: Stack, browser: Browser) -> Iterator[Run]:
    """The whole diagnostic, done once for the tests of this module."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 860})
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        page.goto(stack.demo_url + "/")
        widget = Widget(page)
        widget.open()
        widget.click("Commencer le diagnostic")
        progress_seen = []
        after_reload: dict[str, Any] = {}
        after_navigation: dict[str, Any] = {}
        for _ in range(len(PLAN) + 3):
            question = widget.current_question()
            if question is None:
                break
            question_id = question["question_id"]
            progress_seen.append(widget.progress())
            if question_id == RELOAD_BEFORE and not after_reload:
                before = _snapshot(widget)
                page.reload()
                widget.panel.wait_for(state="visible")
                after_reload = {"before": before, "after": _snapshot(widget)}
            if question_id == NAVIGATE_BEFORE and not after_navigation:
                page.get_by_role("link", name="Démarches").click()
                page.wait_for_url("**/demarches")
                widget.panel.wait_for(state="visible")
                after_navigation = _snapshot(widget)
            if question_id == SCREENSHOT_AT:
                screenshot(page, "widget-question-choix-multiple.png")
            _answer(widget, question_id)
        link = page.locator("dti-assistant .report-link")
        expect(link).to_be_visible()
        result_text = page.locator("dti-assistant .result").inner_text()
        screenshot(page, "widget-resultat.png")
        sender = widget.sender()
        yield Run(
            sender=sender,
            report_url=link.get_attribute("href") or "",
            exported=stack.servers.export(sender),
            progress_seen=progress_seen,
            after_reload=after_reload,
            after_navigation=after_navigation,
            result_text=result_text,
        )
    finally:
        context.close()


def assert_stored_as_planned(exported: dict[str, Any]) -> None:
    """The finished diagnostic holds PLAN's values, and typed answers as they were typed."""
    assert exported["status"] == "termine"
    answers = exported["answers"]
    assert set(answers) == set(PLAN)
    for question_id, (how, what, expected) in PLAN.items():
        assert answers[question_id]["value"] == expected, question_id
        if how == "type":
            assert answers[question_id]["raw_text"] == what, question_id


def test_every_answer_is_stored_as_given(run: Run) -> None:
    assert_stored_as_planned(run.exported)


def test_the_progress_follows_the_questions(run: Run) -> None:
    total = len(default_questionnaire().questions)
    assert run.progress_seen[0] == f"Question 1 sur {total}"
    assert run.progress_seen[4] == f"Question 5 sur {total}"
    assert run.progress_seen[-1] == f"Question {total} sur {total}"


def test_a_reload_keeps_the_conversation_where_it_was(run: Run) -> None:
    before, after = run.after_reload["before"], run.after_reload["after"]
    assert after["panel_visible"], "the panel stays open"
    assert after == before, "same messages, same progress, same question and buttons"
    assert after["question"] == RELOAD_BEFORE
    assert after["choices"] >= 3


def test_another_page_of_the_host_site_continues_the_conversation(run: Run) -> None:
    assert run.after_navigation["panel_visible"]
    assert run.after_navigation["question"] == NAVIGATE_BEFORE
    assert run.after_navigation["user"] > 15


def test_the_result_links_to_the_report(run: Run, stack: Stack) -> None:
    assert run.report_url == f"{stack.web_url}/rapport/{run.exported['diagnostic_id']}"
    overall = run.exported["maturity"]["overall"]
    assert f"Niveau {overall['level_name']}" in run.result_text


def test_the_report_shows_the_stored_result(run: Run, page: Page) -> None:
    page.goto(run.report_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Saint-Martin-sur-Loire")
    recommendation = run.exported["recommendation"]
    overall = run.exported["maturity"]["overall"]
    level = page.locator(".overall-level")
    expect(level).to_contain_text(f"Niveau {overall['level']} sur 5")
    expect(level).to_contain_text(overall["level_name"])
    score = f"{overall['score']:.1f}".replace(".", ",").removesuffix(",0")
    expect(page.locator(".overall-score")).to_contain_text(score)
    rows = page.locator(".axes-table tbody tr")
    expect(rows).to_have_count(len(run.exported["maturity"]["axes"]))
    expect(page.locator(".axes-table")).to_contain_text("Stratégie et gouvernance")
    action = page.locator(".recommendation")
    expect(action.get_by_role("heading", level=3)).to_have_text(recommendation["top"]["title"])
    expect(action).to_contain_text(recommendation["top"]["first_step"])
    for fact in recommendation["top"]["facts"]:
        expect(action).to_contain_text(fact["source"])
    expect(page.locator(".alternative")).to_have_count(2)
    for alternative in recommendation["alternatives"]:
        expect(page.locator(".alternatives")).to_contain_text(alternative["title"])
    answers = page.locator(".answers")
    expect(answers).to_contain_text("12\u202f000 habitants")
    expect(answers).to_contain_text("Je ne sais pas")
    expect(answers.locator("tbody tr")).to_have_count(len(PLAN))
    expect(page.locator("#imprimer")).to_be_visible()
    screenshot(page, "rapport.png", full_page=True)


def test_the_radar_is_svg_drawn_on_the_server(run: Run, new_context) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto(run.report_url)
    radar = page.locator("svg.radar")
    expect(radar).to_be_visible()
    assert radar.get_attribute("role") == "img"
    description = radar.locator("desc").text_content() or ""
    for axis in run.exported["maturity"]["axes"].values():
        assert axis["label"] in description
    expect(radar.locator("polygon.radar-scores")).to_have_count(1)
    expect(radar.locator(".radar-libelles text")).to_have_count(len(run.exported["maturity"]["axes"]))
    box = radar.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    expect(page.locator("#imprimer")).to_be_hidden()


def test_the_json_report_is_the_stored_result(run: Run) -> None:
    data = httpx.get(run.report_url + ".json", timeout=10).json()
    assert data["maturity"] == run.exported["maturity"]
    assert data["recommendation"] == run.exported["recommendation"]
    assert {a["question_id"]: a["value"] for a in data["answers"]} == {
        qid: answer["value"] for qid, answer in run.exported["answers"].items()
    }


def test_the_report_prints_on_a4(run: Run, page: Page) -> None:
    page.goto(run.report_url)
    page.emulate_media(media="print")
    expect(page.locator(".report-tools")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 2 <= pages <= 6, pages
    sizes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    a4 = (595.3, 841.9)  # 210 × 297 mm in points
    assert sizes and all(abs(float(w) - a4[0]) < 2 and abs(float(h) - a4[1]) < 2 for w, h in sizes), sizes
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "rapport.pdf").write_bytes(pdf)
