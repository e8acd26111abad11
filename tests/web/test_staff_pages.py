"""The staff pages on seeded conversations: list and filters, one conversation, review forms,
corrections and their NLU export, dashboard, downloads, deletion; escaping everywhere."""

# ruff: noqa: F811  (fixtures imported from tests/web/staff_support.py)

from __future__ import annotations

import csv
import io
import json
import re

import yaml
from starlette.testclient import TestClient

from tests.review.conftest import SCRIPT, Stores
from tests.web.staff_support import (  # noqa: F401  (fixtures)
    EMAIL,
    XSS,
    XSS_SENDER,
    accounts,
    make_staff_client,
    review,
    seeded,
    staff,
    stores,
    token,
)

ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"


def senders(page: str) -> list[str]:
    """The conversation ids of a list page, in order."""
    return re.findall(r'<th scope="row"><a href="/equipe/conversations/[^"]*">([^<]*)</a>', page)


def post(client: TestClient, path: str, **data: str):
    return client.post(path, data={"csrf": token(client), **data}, follow_redirects=False)


def test_the_list_shows_every_column(staff: TestClient) -> None:
    page = staff.get("/equipe/").text
    assert set(senders(page)) == {
        "alice",
        "bob",
        "carol",
        "dave",
        "eve",
        "sql",
        XSS_SENDER.replace("<", "&lt;").replace(">", "&gt;"),
    }
    for header in ("Début", "Collectivité", "Statut", "Tours", "Incompris / confiance faible", "Niveau",
                   "Action recommandée", "Relecture", "Étiquettes"):  # fmt: skip
        assert f'<th scope="col">{header}</th>' in page
    row = re.search(
        r'<tr class="row-flagged">\s*<th scope="row"><a href="/equipe/conversations/alice">.*?</tr>',
        page,
        re.S,
    )
    assert row is not None
    for text in ("Commune", "12\u202f000 hab.", "Terminé", "⚠ 1 / 1", "Développement", "À relire"):
        assert text in row.group(0), text


def test_markup_is_shown_escaped_in_the_list_and_the_conversation(staff: TestClient) -> None:
    listing = staff.get("/equipe/").text
    assert XSS not in listing and "<script>" not in listing
    assert ESCAPED_XSS in listing, "the conversation id and the authority name, escaped"
    found = staff.get("/equipe/", params={"search": "alert(1)"}).text
    assert len(senders(found)) == 1
    link = re.search(r'href="(/equipe/conversations/[^"]+)"', found.split("<tbody>")[1]).group(1)
    assert "%3Cscript%3E" in link
    detail = staff.get(link)
    assert detail.status_code == 200
    assert XSS not in detail.text and "<script>" not in detail.text
    assert detail.text.count(ESCAPED_XSS) >= 3, "heading, message, answer"
    carol = staff.get("/equipe/conversations/carol").text
    assert SCRIPT not in carol and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in carol


def test_filters_each_narrow_the_list(staff: TestClient, seeded: Stores) -> None:
    seeded.review.set_tags("bob", "à rappeler", EMAIL)
    seeded.review.mark_reviewed("sql", EMAIL)
    cases = {
        "status=termine": {"alice", "sql"},
        "status=abandonne": {"carol"},
        "authority_type=region": {"bob"},
        "level=3": {"alice"},
        "action=feuille_de_route": {"sql"},
        "review_status=relu": {"sql"},
        "tag=à rappeler": {"bob"},
        "min_flagged=1": {"alice", "carol", XSS_SENDER},
        "population_min=10000&population_max=20000": {"alice"},
        "search=douze mille": {"alice"},
        "search=INTEROPERABILITE": {"alice"},
        "sender=ali": {"alice"},
    }
    for query, expected in cases.items():
        response = staff.get(f"/equipe/?{query}")
        assert response.status_code == 200, query
        found = {s.replace("&lt;", "<").replace("&gt;", ">") for s in senders(response.text)}
        assert found == expected, query


def test_sql_like_values_are_plain_text(staff: TestClient) -> None:
    for value, expected in (("' OR 1=1 --", {"sql"}), ("%", {"sql"}), ("_", {"sql"}), ("1=1", {"sql"})):
        response = staff.get("/equipe/", params={"search": value})
        assert response.status_code == 200
        assert set(senders(response.text)) == expected, value
    for name in ("sender", "authority_type", "action"):
        response = staff.get("/equipe/", params={name: "' OR 1=1 --"})
        assert response.status_code == 200, name
        assert senders(response.text) == [], name
    response = staff.get("/equipe/", params={"tag": "' OR 1=1 --"})
    assert response.status_code == 200 and "Étiquette invalide" in response.text, "refused, not applied"
    response = staff.get("/equipe/", params={"sender": "%"})
    assert response.status_code == 200 and senders(response.text) == []


def test_invalid_filters_are_reported_not_applied(staff: TestClient) -> None:
    response = staff.get("/equipe/?level=abc&date_from=hier&status=inconnu&sort=x&page=zz")
    assert response.status_code == 200
    assert "Nombre entier attendu." in response.text
    assert "Date invalide" in response.text
    assert 'aria-invalid="true"' in response.text
    assert len(senders(response.text)) == 7


def test_pagination_keeps_the_filters(staff: TestClient) -> None:
    page = staff.get("/equipe/?per_page=2&sort=tours").text
    assert len(senders(page)) == 2
    assert "Page 1 sur 4" in page
    assert 'href="/equipe/?sort=tours&amp;page=2&amp;per_page=2"' in page
    last = staff.get("/equipe/?per_page=2&sort=tours&page=4").text
    assert len(senders(last)) == 1 and "Page précédente" in last


def test_one_conversation_turn_by_turn(staff: TestClient, seeded: Stores) -> None:
    page = staff.get("/equipe/conversations/alice").text
    texts = ["bonjour", "oui allons-y", "une commune", "blablabla zorglub", "environ douze mille habitants",
             "c&#39;est quoi l&#39;interopérabilité ?", "merci, terminé"]  # fmt: skip
    positions = [page.index(f'<span class="who">Collectivité :</span> {text}</p>') for text in texts]
    assert positions == sorted(positions), "turns in order"
    for text in ("<code>greet</code> (confiance 0,97)", "<code>nlu_fallback</code> (confiance 0,50)",
                 "⚠ Incompris (fallback)", "⚠ Confiance faible", "meilleure hypothèse : <code>answer</code>",
                 "<code>term</code> = « interopérabilité »", "<code>action_define_term</code>",
                 "Assistant :</span> Combien d&#39;habitants ?", "<li>Commune</li>",
                 "<code>question</code> = type_collectivite", "Développement",
                 "énergie des bâtiments publics"):  # fmt: skip
        assert text in page, text
    assert page.count('class="turn turn--flagged"') == 2
    assert page.count('action="/equipe/relecture/correction"') == 2, "one form per misunderstood message"
    assert "<dd>Commune " in page and "12\u202f000 habitants" in page, "the answers beside"


def test_an_unknown_conversation_is_404(staff: TestClient) -> None:
    assert staff.get("/equipe/conversations/personne").status_code == 404
    assert post(staff, "/equipe/relecture/relue", sender_id="personne", relu="1").status_code == 404


def test_review_marks_tags_and_note(staff: TestClient, seeded: Stores) -> None:
    review = seeded.review
    response = post(staff, "/equipe/relecture/relue", sender_id="alice", relu="1")
    assert (
        response.status_code == 303
        and response.headers["location"] == "/equipe/conversations/alice#relecture"
    )
    assert review.review_state("alice").reviewed_by == EMAIL
    assert "Conversation marquée comme relue." in staff.get("/equipe/conversations/alice").text
    post(staff, "/equipe/relecture/etiquettes", sender_id="alice", etiquettes="NLU, à revoir ,nlu")
    assert review.review_state("alice").tags == ("nlu", "à revoir")
    post(staff, "/equipe/relecture/etiquettes", sender_id="alice", etiquettes="<b>")
    assert review.review_state("alice").tags == ("nlu", "à revoir")
    assert "Étiquette invalide" in staff.get("/equipe/conversations/alice").text
    post(staff, "/equipe/relecture/note", sender_id="alice", note=f"à rappeler {XSS}")
    assert review.review_state("alice").note == f"à rappeler {XSS}"
    page = staff.get("/equipe/conversations/alice").text
    assert f"à rappeler {ESCAPED_XSS}</textarea>" in page
    listing = staff.get("/equipe/?review_status=relu").text
    assert senders(listing) == ["alice"] and '<span class="tag">nlu</span>' in listing
    post(staff, "/equipe/relecture/relue", sender_id="alice", relu="0")
    assert not review.review_state("alice").reviewed


def test_correct_a_turn_then_export_the_nlu_file(staff: TestClient, seeded: Stores) -> None:
    review = seeded.review
    zorglub, definition = review.conversation_detail("alice").flagged_turns
    response = post(
        staff, "/equipe/relecture/correction", sender_id="alice", event_id=str(definition.user.event_id),
        intent="ask_definition", entity="term", entity_text="interopérabilité",
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == f"/equipe/conversations/alice#tour-{definition.user.event_id}"
    post(staff, "/equipe/relecture/correction", sender_id="alice", event_id=str(zorglub.user.event_id),
         intent="out_of_scope")  # fmt: skip
    corrections = {c.intent: c for c in review.corrections().items}
    assert corrections["ask_definition"].entities[0].entity == "term"
    assert {(c.created_by, c.source_sender_id) for c in corrections.values()} == {(EMAIL, "alice")}
    page = staff.get("/equipe/corrections").text
    assert "Messages incompris (4)" in page and "Corrections enregistrées (2)" in page
    assert "écarté" in page, "the example already in data/nlu/ is left out of the file, with its reason"
    download = staff.get("/equipe/corrections/corrections-nlu.yml")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="corrections-nlu.yml"'
    [item] = yaml.safe_load(download.text)["nlu"]
    assert item["intent"] == "out_of_scope"
    assert "blablabla zorglub" in item["examples"]
    assert review.audit_log()[0].action == "export_nlu"


def test_refused_corrections_say_why(staff: TestClient, seeded: Stores) -> None:
    turn = seeded.review.conversation_detail("alice").flagged_turns[0]
    refused = (
        {"intent": "inventée"},
        {"intent": "nlu_fallback"},
        {"intent": "greet", "entity": "inconnue", "entity_text": "zorglub"},
        {"intent": "greet", "entity": "term", "entity_text": "absent du message"},
    )
    for fields in refused:
        response = post(
            staff,
            "/equipe/relecture/correction",
            sender_id="alice",
            event_id=str(turn.user.event_id),
            **fields,
        )
        assert response.status_code == 303
        assert "Correction refusée" in staff.get("/equipe/conversations/alice").text
    assert (
        post(
            staff, "/equipe/relecture/correction", sender_id="alice", event_id="x", intent="greet"
        ).status_code
        == 400
    )
    assert seeded.review.corrections().total == 0


def test_correct_from_the_corrections_page_and_delete(staff: TestClient, seeded: Stores) -> None:
    [message] = [
        m for m in seeded.review.flagged_messages().items if m.sender_id == "alice" and m.kind == "fallback"
    ]
    response = post(staff, "/equipe/relecture/correction", sender_id="alice", event_id=str(message.event_id),
                    intent="answer", retour="corrections")  # fmt: skip
    assert response.headers["location"] == "/equipe/corrections"
    [correction] = seeded.review.corrections().items
    page = staff.get("/equipe/corrections").text
    assert "Correction enregistrée : « blablabla zorglub » → answer." in page
    response = post(staff, "/equipe/corrections/suppression", correction_id=str(correction.id))
    assert response.status_code == 303
    assert seeded.review.corrections().total == 0
    post(staff, "/equipe/corrections/suppression", correction_id="999")
    assert "Cette correction n&#39;existe plus." in staff.get("/equipe/corrections").text


def test_the_dashboard_shows_each_chart_and_its_table(staff: TestClient, seeded: Stores) -> None:
    response = staff.get("/equipe/tableau-de-bord")
    assert response.status_code == 200
    page = response.text
    dashboard = seeded.review.dashboard()
    assert dashboard.charts
    for chart in dashboard.charts:
        section = page.split(f'id="titre-{chart.key}"')[1].split("</section>")[0]
        assert "<svg" in section
        if chart.rows:
            assert f'<th scope="col">{chart.label_header}</th>' in section.replace("&#39;", "'")
            assert section.count('<th scope="row">') == len(chart.rows)
    assert "Date invalide" in staff.get("/equipe/tableau-de-bord?date_from=demain").text
    assert staff.get("/equipe/tableau-de-bord?date_from=2026-01-01&date_to=2026-12-31").status_code == 200


def test_downloads_are_attachments_and_audited(staff: TestClient, seeded: Stores) -> None:
    assert staff.get("/equipe/exports").status_code == 200
    response = staff.get("/equipe/exports/diagnostics.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="diagnostics.csv"'
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) == 1 + 6, "a header and one row per diagnostic"
    diagnostics = json.loads(staff.get("/equipe/exports/diagnostics.json").text)
    assert len(diagnostics) == 6
    transcripts = json.loads(staff.get("/equipe/exports/transcriptions.json?status=termine").text)
    assert sorted(t["sender_id"] for t in transcripts) == ["alice", "sql"]
    actions = [entry.action for entry in seeded.review.audit_log()]
    assert actions[:3] == ["export_transcriptions", "export_diagnostics_json", "export_diagnostics_csv"]
    assert all(entry.actor == EMAIL for entry in seeded.review.audit_log())


def test_deleting_a_conversation_needs_the_confirmation(staff: TestClient, seeded: Stores) -> None:
    response = post(staff, "/equipe/relecture/suppression", sender_id="carol")
    assert response.headers["location"] == "/equipe/conversations/carol#suppression"
    assert seeded.review.conversation_detail("carol") is not None
    assert "Cochez la case de confirmation" in staff.get("/equipe/conversations/carol").text
    response = post(staff, "/equipe/relecture/suppression", sender_id="carol", confirmer="oui")
    assert response.status_code == 303 and response.headers["location"] == "/equipe/"
    assert seeded.review.conversation_detail("carol") is None
    assert staff.get("/equipe/conversations/carol").status_code == 404
    assert "Conversation supprimée" in staff.get("/equipe/").text
    entry = seeded.review.audit_log()[0]
    assert (entry.actor, entry.target) == (EMAIL, "carol")
