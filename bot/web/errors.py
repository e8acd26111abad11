"""French error pages (HTML) and error bodies (JSON, for /api/ and .json addresses).

The sentences come from bot/content/web.yml (``bot.web_text``; ``web_text`` is importable from
here too)."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.web_text import web_text

logger = logging.getLogger(__name__)

CODES = {
    400: "requete_invalide",
    404: "introuvable",
    405: "methode_non_autorisee",
    413: "requete_trop_grosse",
    415: "type_non_pris_en_charge",
    429: "trop_de_requetes",
    500: "erreur_interne",
}
# Answers that no cache may keep (the chat API's, a repeat's).
NO_STORE = {"Cache-Control": "no-store"}
MESSAGES = {status: (code, web_text(f"error_{status}")) for status, code in CODES.items()}
TITLES = {404: web_text("title_404"), 500: web_text("title_500")}


class DoorError(Exception):
    """What the door answers instead of replies: an HTTP ``status``, a stable ``code`` for programs
    and a French ``message`` for people (the widget shows it as is)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.endswith(".json")


def json_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def error_response(request: Request, status: int, message: str | None = None) -> Response:
    code, default = MESSAGES.get(status, MESSAGES[400] if status < 500 else MESSAGES[500])
    message = message or default
    if wants_json(request):
        return json_error(status, code, message)
    title = TITLES.get(status, web_text("title_server_error") if status >= 500 else web_text("title_refused"))
    return request.app.state.templates.TemplateResponse(
        request, "error.html", {"title": title, "message": message, "status": status}, status_code=status
    )


async def http_exception(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    response = error_response(request, status)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    logger.exception("erreur inattendue sur %s", request.url.path, exc_info=exc)
    return error_response(request, 500)


EXCEPTION_HANDLERS = {HTTPException: http_exception, 500: server_error}
