"""The conversation list, one conversation, and what staff record about it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.review import ConversationFilters, ReviewInputError, page_params
from bot.review.labels import FLAG_LABELS
from bot.staff_text import staff_text
from bot.web.errors import error_response, web_text
from bot.web.staff.auth import HOME_PATH, PREFIX, Staff, conversation_path, flash, redirect, render

NOT_FOUND = web_text("staff_conversation_unknown")
MAX_NOTE_LENGTH = 10_000


def conversation_list(request: Request, staff: Staff) -> Response:
    review = request.app.state.review
    options = review.filter_options()
    filters, errors = ConversationFilters.from_query(
        request.query_params,
        departements={code for code, _ in options.departements},
        regions={code for code, _ in options.regions},
    )
    page_number, per_page = page_params(request.query_params)
    page = review.list_conversations(filters, page_number, per_page)
    context = {
        "filters": filters,
        "errors": errors,
        "params": request.query_params,
        "page": page,
        "options": options,
        "per_page": per_page if per_page != 50 else None,
    }
    return render(request, staff, "list.html", context, active="list")


def conversation(request: Request, staff: Staff) -> Response:
    review = request.app.state.review
    detail = review.conversation_detail(request.path_params["sender_id"])
    if detail is None:
        return error_response(request, 404, NOT_FOUND)
    result = None
    if detail.diagnostic is not None and detail.diagnostic.get("maturity"):
        overall = detail.diagnostic["maturity"].get("overall") or {}
        result = {
            "score": overall.get("score"),
            "level": review.labels.level(overall.get("level")),
            "actions": [
                review.labels.action(code) for code in detail.diagnostic.get("recommendations") or []
            ],
        }
    context = {
        "detail": detail,
        "summary": detail.summary,
        "result": result,
        "intents": review.intents(),
        "entity_names": review.entity_names(),
        "flag_labels": FLAG_LABELS,
        "corrected": detail.corrected_event_ids,
    }
    return render(request, staff, "conversation.html", context, active="list")


# --- forms ------------------------------------------------------------------------------------


def _known_sender(request: Request, staff: Staff) -> str | None:
    sender_id = staff.text("sender_id")
    if not sender_id or request.app.state.review.conversation_detail(sender_id) is None:
        return None
    return sender_id


def mark_reviewed(request: Request, staff: Staff) -> Response:
    sender_id = _known_sender(request, staff)
    if sender_id is None:
        return error_response(request, 404, NOT_FOUND)
    reviewed = staff.text("relu") == "1"
    request.app.state.review.mark_reviewed(sender_id, staff.email, reviewed)
    flash(request, web_text("staff_conversation_reviewed" if reviewed else "staff_conversation_unreviewed"))
    return redirect(conversation_path(sender_id) + "#relecture")


def set_tags(request: Request, staff: Staff) -> Response:
    sender_id = _known_sender(request, staff)
    if sender_id is None:
        return error_response(request, 404, NOT_FOUND)
    try:
        request.app.state.review.set_tags(sender_id, staff.text("etiquettes"), staff.email)
    except ReviewInputError as error:
        flash(request, str(error), "erreur")
    else:
        flash(request, web_text("staff_labels_saved"))
    return redirect(conversation_path(sender_id) + "#relecture")


def set_note(request: Request, staff: Staff) -> Response:
    sender_id = _known_sender(request, staff)
    if sender_id is None:
        return error_response(request, 404, NOT_FOUND)
    note = staff.text("note").strip()
    if len(note) > MAX_NOTE_LENGTH:
        flash(request, web_text("staff_note_too_long", maximum=MAX_NOTE_LENGTH), "erreur")
    else:
        request.app.state.review.set_note(sender_id, note or None, staff.email)
        flash(request, web_text("staff_note_saved" if note else "staff_note_cleared"))
    return redirect(conversation_path(sender_id) + "#relecture")


def correct_turn(request: Request, staff: Staff) -> Response:
    """The right intent (and optionally one entity) for a misunderstood message."""
    sender_id = staff.text("sender_id")
    back = f"{PREFIX}/corrections" if staff.text("retour") == "corrections" else None
    try:
        event_id = int(staff.text("event_id"))
    except ValueError:
        return error_response(request, 400, staff_text("message_not_found"))
    entities = []
    entity, fragment = staff.text("entity").strip(), staff.text("entity_text").strip()
    if entity or fragment:
        entities.append(
            {"entity": entity, "text": fragment, "value": staff.text("entity_value").strip() or None}
        )
    try:
        correction = request.app.state.review.correct_turn(
            sender_id, event_id, staff.text("intent"), staff.email, entities
        )
    except ReviewInputError as error:
        flash(request, web_text("staff_correction_refused", error=error), "erreur")
    else:
        flash(request, web_text("staff_correction_saved", text=correction.text, intent=correction.intent))
    if back is None:
        if not sender_id or request.app.state.review.conversation_detail(sender_id) is None:
            return error_response(request, 404, NOT_FOUND)
        back = conversation_path(sender_id) + f"#tour-{event_id}"
    return redirect(back)


def delete_conversation(request: Request, staff: Staff) -> Response:
    sender_id = _known_sender(request, staff)
    if sender_id is None:
        return error_response(request, 404, NOT_FOUND)
    if staff.text("confirmer") != "oui":
        flash(request, web_text("staff_conversation_confirm_delete"), "erreur")
        return redirect(conversation_path(sender_id) + "#suppression")
    report = request.app.state.review.delete_conversation(sender_id, staff.email)
    flash(
        request,
        web_text("staff_conversation_deleted", events=report.events, diagnostics=report.diagnostics),
    )
    return redirect(HOME_PATH)
