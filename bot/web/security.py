"""Security headers on every response, a strict Content-Security-Policy on pages, and the
public address: every request is checked against the hosts the site answers for, then
presented as addressed to DIAGNOSTIC_PUBLIC_URL, so that no absolute URL (redirects,
``url_for``) is ever built from what a client put in its ``Host`` header.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.web.errors import error_response, json_error, web_text

# The site's own pages load nothing from elsewhere and allow no inline script or style.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Report addresses are secrets: never leak them to another site through Referer.
    "Referrer-Policy": "no-referrer",
}


# One year, subdomains included: sent only when the public address is https.
HSTS = "max-age=31536000; includeSubDomains"
# Names by which the machine itself reaches the door (health checks, the embedded default).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
BAD_HOST = web_text("bad_host")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON_HEADERS.items():
                    headers.setdefault(name, value)
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", PAGE_POLICY)
                    headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def host_name(host: str) -> str:
    """The name part of a Host header (no port, lower case, no final dot); "" if malformed."""
    host = host.strip().lower()
    if host.startswith("["):
        name, closed, rest = host[1:].partition("]")
        if not closed or (rest and not rest[1:].isdigit()) or (rest and rest[0] != ":"):
            return ""
        return name
    name, colon, port = host.rpartition(":")
    if not colon:
        name = port
    elif not port.isdigit() or ":" in name:
        return ""
    return name.rstrip(".")


class PublicAddressMiddleware:
    """Refuses requests for another host (400), then presents them as sent to the public URL.

    Accepted hosts: the public URL's, the loopback names and ``extra_hosts``. The request's
    Host header and scheme are then replaced by the public URL's, so that Starlette builds
    every absolute URL (the trailing-slash redirects, ``url_for``) on the public address.
    """

    def __init__(self, app: ASGIApp, public_url: str, extra_hosts: Iterable[str] = ()) -> None:
        self.app = app
        public = urlsplit(public_url)
        self.scheme = public.scheme or "http"
        self.netloc = public.netloc.encode("latin-1")
        names = (public.hostname or "", *LOOPBACK_HOSTS, *extra_hosts)
        self.allowed = frozenset(name.strip().lower().strip("[]").rstrip(".") for name in names) - {""}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = [(name, value) for name, value in scope.get("headers", ()) if name.lower() != b"host"]
        hosts = [value for name, value in scope.get("headers", ()) if name.lower() == b"host"]
        # HTTP/1.0 may omit Host: the request then names no other site.
        if len(hosts) > 1 or (hosts and host_name(hosts[0].decode("latin-1")) not in self.allowed):
            await self._refuse(scope, receive, send)
            return
        secure = self.scheme == "https"
        scheme = ("wss" if secure else "ws") if scope["type"] == "websocket" else self.scheme
        scope = {**scope, "scheme": scheme, "headers": [(b"host", self.netloc), *headers]}
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        # The error page is rendered without reading the (refused) Host: relative links only.
        scope = {**scope, "headers": [(n, v) for n, v in scope.get("headers", ()) if n.lower() != b"host"]}
        request = Request(scope, receive)
        response = error_response(request, 400, BAD_HOST)
        await response(scope, receive, send)


class FrenchCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, whose refused preflights say why in French (JSON) instead of English text."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        return json_error(
            response.status_code,
            "cors_refuse",
            web_text("cors_refused"),
            headers={"Vary": "Origin"},
        )
