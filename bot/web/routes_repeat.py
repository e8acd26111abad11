"""Repeating a diagnostic from its report ("refaire le diagnostic"), and the six-month reminder.

POST /rapport/{id}/refaire   the report page's form
    → 303 to /diagnostic#conversation=<new conversation id>: the chat page takes that
      conversation over, and the repeat begins with its first message.
POST /api/repeat  {"report": "<id of the report>"}  (application/json): the same for a REST client
    → 201 {"sender": "<conversation id>", "previous_diagnostic_id": "<id of the report>"}; the
      client then talks in that conversation (POST /api/messages with this "sender"), beginning
      with a greeting ("bonjour").
    → 404 unknown or unfinished report; 400/413/415 bad request; 429 too many requests.
GET /rapport/{id}/rappel.ics  a calendar file: a reminder six months later, with the report link.

The repeat is a new diagnostic in a new conversation, linked to the earlier one (bot/repeat.py).
"""

from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.messages import default_messages
from bot.repeat import start_repeat
from bot.settings import report_path
from bot.storage import DiagnosticRecord
from bot.web.client_address import client_address
from bot.web.conversation_ids import conversation_key, issue_conversation_id
from bot.web.errors import NO_STORE, error_response, json_error, web_text
from bot.web.ratelimit import too_many_messages, too_many_response
from bot.web.reminder import reminder_ics
from bot.web.report import PUBLIC_ID_PATTERN
from bot.web.routes_report import NOT_FOUND, PRIVATE
from bot.web.validation import InputError, check_content_type, check_declared_length, read_body

BODY_EXAMPLE = '{"report": "<identifiant du rapport>"}'
BAD_BODY = web_text("repeat_bad_body", example=BODY_EXAMPLE)
CALENDAR_NAME = "rappel-autodiagnostic.ics"


async def _repeat(request: Request, public_id: str) -> DiagnosticRecord | float | None:
    """The new repeat, None when the report is unknown or unfinished, or the seconds to wait."""
    state = request.app.state
    client = client_address(request, state.settings.trusted_proxies)
    retry_after = await state.limits.ahit("chat_client", client)
    if retry_after is not None:
        return retry_after
    if not PUBLIC_ID_PATTERN.fullmatch(public_id):
        return None
    sender = issue_conversation_id(conversation_key(state.settings))
    return await run_in_threadpool(start_repeat, state.store, state.questionnaire, public_id, sender)


async def repeat_form(request: Request) -> Response:
    """The report page's "Refaire le diagnostic" button."""
    repeat = await _repeat(request, request.path_params["public_id"])
    if isinstance(repeat, float):
        return error_response(request, 429, too_many_messages(repeat))
    if repeat is None:
        return error_response(request, 404, NOT_FOUND)
    return RedirectResponse(f"/diagnostic#conversation={repeat.sender_id}", status_code=303, headers=NO_STORE)


async def repeat_api(request: Request) -> Response:
    """A REST client's (or a widget's) way to start a repeat."""
    settings = request.app.state.settings
    try:
        check_content_type(request.headers.get("content-type"))
        check_declared_length(request.headers.get("content-length"), settings.max_body_bytes)
        body = await read_body(request, settings.max_body_bytes)
    except InputError as error:
        return json_error(error.status, error.code, error.message, headers=NO_STORE)
    except ClientDisconnect:
        return Response(status_code=400)
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        parsed = None
    report = parsed.get("report") if isinstance(parsed, dict) else None
    if not isinstance(report, str):
        return json_error(400, "requete_invalide", BAD_BODY, headers=NO_STORE)
    repeat = await _repeat(request, report)
    if isinstance(repeat, float):
        return too_many_response(repeat)
    if repeat is None:
        return json_error(404, "introuvable", NOT_FOUND, headers=NO_STORE)
    body = {"sender": repeat.sender_id, "previous_diagnostic_id": report}
    return JSONResponse(body, status_code=201, headers=NO_STORE)


def reminder(request: Request) -> Response:
    """The .ics reminder of a finished diagnostic's report."""
    state = request.app.state
    public_id = request.path_params["public_id"]
    record = state.store.by_public_id(public_id) if PUBLIC_ID_PATTERN.fullmatch(public_id) else None
    if record is None or record.status != "termine":
        return error_response(request, 404, NOT_FOUND)
    url = state.settings.public_url + report_path(record.public_id)
    messages = default_messages()
    text = reminder_ics(
        url, messages.say("reminder_summary"), messages.say("reminder_description", url=url), state.clock()
    )
    headers = {"Content-Disposition": f'attachment; filename="{CALENDAR_NAME}"', **PRIVATE}
    return Response(text, media_type="text/calendar; charset=utf-8", headers=headers)


ROUTES = [
    Route("/rapport/{public_id}/refaire", repeat_form, methods=["POST"], name="repeat_form"),
    Route("/rapport/{public_id}/rappel.ics", reminder, name="reminder"),
    Route("/api/repeat", repeat_api, methods=["POST"], name="repeat_api"),
]
