"""French error pages (HTML) and error bodies (JSON, for /api/ and .json addresses)."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

logger = logging.getLogger(__name__)

MESSAGES = {
    400: ("requete_invalide", "La requête est invalide."),
    404: ("introuvable", "Cette page n'existe pas, ou plus."),
    405: ("methode_non_autorisee", "Cette adresse n'accepte pas ce type de requête."),
    413: ("requete_trop_grosse", "La requête est trop volumineuse."),
    415: ("type_non_pris_en_charge", "Ce type de contenu n'est pas accepté."),
    429: ("trop_de_requetes", "Trop de requêtes : patientez un instant avant de réessayer."),
    500: ("erreur_interne", "Une erreur inattendue s'est produite. Réessayez dans quelques instants."),
}
TITLES = {404: "Page introuvable", 500: "Erreur du serveur"}


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
    title = TITLES.get(status, "Erreur" if status >= 500 else "Requête refusée")
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
