"""Property tests over every HTTP route of the door: no byte sequence, JSON shape, header or
path gives a 500, and every refusal is a French error (JSON for /api/ and .json addresses,
an HTML page otherwise).

Requests are handed to the application as uvicorn would (an ASGI scope whose ``path`` is the
percent-decoded ``raw_path``), through the test client's event loop, so paths and headers
reach the routes exactly as generated. The limits are raised so that the examples exercise
the routes rather than the 429 (which the rate-limit tests cover).
"""

# ruff: noqa: F811  (fixtures imported from tests/web/conftest.py and staff_support.py)

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlencode

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.settings import Rate
from bot.storage import DiagnosticStore
from tests.review.conftest import Stores
from tests.web.conftest import fake_rasa, finished_diagnostic, settings, store  # noqa: F401
from tests.web.staff_support import *  # noqa: F403  (the staff area's fixtures)
from tests.web.staff_support import concrete_path, log_in, staff_routes, token

MANY = 10**9
PROPERTY = hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Beginnings of the site's addresses; generated tails are appended to them.
PREFIXES = [
    "/", "/diagnostic", "/api/messages", "/api/health", "/api/", "/rapport/", "/static/", "/static/widget.js",
    "/widget.js", "/widget.css", "/equipe", "/equipe/", "/equipe/connexion", "/equipe/conversations/",
    "/equipe/exports/diagnostics.csv", "/equipe/relecture/note", "/favicon.ico",
]
# Socket.IO's endpoint answers in its own protocol (its inputs are tested with its events).
OWN_PROTOCOL = ("/socket.io",)
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "PROPFIND"]
CONTENT_TYPES = [
    "application/json", "application/json; charset=latin-1", "application/x-www-form-urlencoded",
    "multipart/form-data", "multipart/form-data; boundary=x", "multipart/form-data; boundary=",
    "text/plain", "application/json;;;", "*/*", "", "\x00", "application/json; charset=utf-7",
]
HEADER_NAMES = [
    "cookie", "origin", "x-forwarded-for", "accept", "accept-encoding", "referer", "user-agent",
    "access-control-request-method", "access-control-request-headers", "if-none-match",
    "if-modified-since", "range", "authorization", "x-diagnostic-secret", "forwarded", "host",
]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


async def asgi_request(
    app: Starlette, method: str, raw_path: bytes, headers: list[tuple[bytes, bytes]], body: bytes
) -> Answer:
    path_part, _, query = raw_path.partition(b"?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(path_part.decode("ascii")),
        "raw_path": path_part,
        "query_string": query,
        "root_path": "",
        "headers": headers,
        "client": ("192.0.2.10", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    started: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    response_headers = {
        name.decode("latin-1").lower(): value.decode("latin-1") for name, value in started.get("headers", [])
    }
    return Answer(started["status"], response_headers, b"".join(chunks))


@pytest.fixture
def door(
    store: DiagnosticStore, make_staff_client: Callable[..., TestClient]
) -> Callable[[str, bytes, list[tuple[bytes, bytes]], bytes], Answer]:
    """Sends one raw request to a door with its stores, a fake Rasa, a report and staff accounts."""
    finished_diagnostic(store)
    many = Rate(MANY, 60)
    client = make_staff_client(
        rate_limit=MANY,
        rate_limit_ip=MANY,
        socket_rate=many,
        login_rate_client=many,
        login_rate_account=many,
        login_rate_pair=many,
    )

    def send(method: str, raw_path: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> Answer:
        return client.portal.call(asgi_request, client.app, method, raw_path, headers, body)

    return send


def assert_french_refusal(answer: Answer, path: str, method: str) -> None:
    assert answer.status < 500, (answer.status, answer.body[:300])
    if answer.status < 400 or path.startswith(OWN_PROTOCOL) or method == "HEAD":
        return
    content_type = answer.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = json.loads(answer.body)
        assert isinstance(body.get("error"), str) and body["error"], body
        assert isinstance(body.get("message"), str) and body["message"], body
    else:
        assert content_type.startswith("text/html"), (answer.status, content_type, answer.body[:200])
        assert b'<html lang="fr">' in answer.body, answer.body[:200]


# --- strategies -------------------------------------------------------------------------------

# Printable ASCII without space, '#' and '?', plus percent-escapes of any byte.
PATH_CHARS = st.sampled_from([chr(code) for code in range(0x21, 0x7F) if chr(code) not in "#?"])
PERCENT = st.integers(0, 255).map(lambda byte: f"%{byte:02X}")
PIECES = st.sampled_from(["/", "..", "%2e%2e", "%2F", ".json"])
TAIL = st.lists(st.one_of(PATH_CHARS, PERCENT, PIECES), max_size=30).map("".join)
QUERY_TEXT = st.lists(st.one_of(PATH_CHARS, PERCENT, st.just("?")), max_size=30).map("".join)
QUERY = st.one_of(st.just(""), QUERY_TEXT.map(lambda text: "?" + text))
PATHS = st.builds(lambda prefix, tail, query: prefix + tail + query, st.sampled_from(PREFIXES), TAIL, QUERY)
HEADER_VALUES = st.binary(max_size=200).map(lambda raw: raw.replace(b"\r", b"").replace(b"\n", b""))
HEADERS = st.lists(
    st.tuples(st.sampled_from(HEADER_NAMES).map(str.encode), HEADER_VALUES), max_size=6
)
HOSTS = st.sampled_from(
    [b"testserver", b"127.0.0.1:8000", b"localhost", b"[::1]:8000", b"diagnostic.example.fr"]
)
# Any JSON value, strings with lone surrogates included (json.dumps escapes them as \udxxx).
JSON_TEXT = st.text(st.characters(exclude_categories=()), max_size=50)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | JSON_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(JSON_TEXT, children, max_size=4),
    max_leaves=20,
)
CHAT_BODIES = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries({"message": JSON_VALUES}, optional={"sender": JSON_VALUES}),
    st.fixed_dictionaries({"message": JSON_TEXT}, optional={"sender": st.text(max_size=70)}),
)


Headers = list[tuple[bytes, bytes]]


def headers_with(host: bytes, content_type: str | None, extra: Headers) -> Headers:
    headers = [(b"host", host)]
    if content_type is not None:
        headers.append((b"content-type", content_type.encode("latin-1")))
    # A generated Host is a second Host header: it must be refused, not crash anything.
    return headers + extra


# --- properties -------------------------------------------------------------------------------


@PROPERTY
@given(
    method=st.sampled_from(METHODS),
    path=PATHS,
    host=HOSTS,
    content_type=st.one_of(st.none(), st.sampled_from(CONTENT_TYPES)),
    extra=HEADERS,
    body=st.binary(max_size=2000),
)
@example(method="GET", path="/rapport/%00", host=b"testserver", content_type=None, extra=[], body=b"")
@example(method="OPTIONS", path="/api/messages", host=b"testserver", content_type=None, body=b"",
         extra=[(b"origin", b"https://pirate.example"), (b"access-control-request-method", b"POST")])
@example(method="GET", path="/", host=b"testserver", content_type=None, body=b"", extra=[(b"host", b"[")])
@example(method="GET", path="/rapport/%ff%fe.json", host=b"testserver", content_type=None, extra=[], body=b"")
@example(method="GET", path="/static/%2e%2e/%2e%2e/etc/passwd", host=b"testserver", content_type=None,
         extra=[], body=b"")
@example(method="GET", path="/equipe/conversations/%00%c0%ae", host=b"testserver", content_type=None,
         extra=[], body=b"")
@example(method="POST", path="/equipe/connexion", host=b"testserver",
         content_type="multipart/form-data; boundary=x", extra=[], body=b"--x\r\nContent-Disposition: form")
def test_no_request_gets_a_500(
    door: Callable[..., Answer], method: str, path: str, host: bytes, content_type: str | None,
    extra: list[tuple[bytes, bytes]], body: bytes,
) -> None:
    answer = door(method, path.encode("ascii"), headers_with(host, content_type, extra), body)
    assert_french_refusal(answer, unquote(path.partition("?")[0]), method)


@PROPERTY
@given(
    body=st.one_of(CHAT_BODIES.map(lambda value: json.dumps(value).encode()), st.binary(max_size=3000)),
    content_type=st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain"]),
    extra=HEADERS,
)
@example(body=b'{"message": "a\\ud800b"}', content_type="application/json", extra=[])
@example(body=b"[" * 5000 + b"]" * 5000, content_type="application/json", extra=[])
@example(body=b'{"message": "\\u0000"}', content_type="application/json", extra=[])
@example(body=b"\xef\xbb\xbf{}", content_type="application/json", extra=[])
def test_the_chat_api_answers_any_body_in_french_json(
    door: Callable[..., Answer], body: bytes, content_type: str, extra: list[tuple[bytes, bytes]]
) -> None:
    extra = [(name, value) for name, value in extra if name != b"host"]
    headers = headers_with(b"testserver", content_type, extra)
    answer = door("POST", b"/api/messages", headers, body)
    assert answer.status < 500, (answer.status, answer.body[:300])
    assert answer.headers["content-type"].startswith("application/json")
    payload = json.loads(answer.body)
    if answer.status >= 400:
        assert set(payload) == {"error", "message"}
    else:
        assert isinstance(payload["messages"], list)


@PROPERTY
@given(
    fields=st.lists(
        st.tuples(st.sampled_from(["email", "password", "csrf", "suivant", "x"]), JSON_TEXT), max_size=6
    ),
    query=QUERY,
)
def test_the_staff_login_form_takes_any_fields(
    door: Callable[..., Answer], fields: list[tuple[str, str]], query: str
) -> None:
    body = urlencode([(name, value.encode("utf-8", "surrogatepass")) for name, value in fields]).encode()
    headers = headers_with(b"testserver", "application/x-www-form-urlencoded", [])
    answer = door("POST", f"/equipe/connexion{query}".encode("ascii"), headers, body)
    assert_french_refusal(answer, "/equipe/connexion", "POST")


STAFF_FIELDS = [
    "csrf", "sender_id", "turn", "tags", "note", "text", "intent", "answer", "email", "role", "password",
    "current", "new", "confirm", "id", "suivant", "x",
]


@dataclass(frozen=True)
class SignedInDoor:
    """Raw requests with an administrator's session cookie, and its CSRF token in every form."""

    client: TestClient
    cookies: bytes
    csrf: str
    paths: list[str]

    def send(self, method: str, raw_path: bytes, fields: list[tuple[str, str]]) -> Answer:
        encoded = ((name, value.encode("utf-8", "surrogatepass")) for name, value in fields)
        form = [("csrf", self.csrf), *encoded]
        headers = [
            (b"host", b"testserver"),
            (b"cookie", self.cookies),
            (b"content-type", b"application/x-www-form-urlencoded"),
        ]
        body = urlencode(form).encode() if method == "POST" else b""
        return self.client.portal.call(asgi_request, self.client.app, method, raw_path, headers, body)


@pytest.fixture
def signed_in_door(make_staff_client: Callable[..., TestClient], seeded: Stores) -> SignedInDoor:
    client = make_staff_client(login_rate_client=Rate(MANY, 60), login_rate_pair=Rate(MANY, 60))
    assert log_in(client).status_code == 303
    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items()).encode("latin-1")
    # Every route but the login and logout (their own property above), which end the session.
    paths = [concrete_path(route) for route in staff_routes(client.app) if "connexion" not in route.path]
    return SignedInDoor(client, cookies, token(client), paths)


@PROPERTY
@given(
    data=st.data(),
    method=st.sampled_from(["GET", "POST"]),
    tail=st.one_of(st.just(""), TAIL),
    query=QUERY,
    fields=st.lists(st.tuples(st.sampled_from(STAFF_FIELDS), JSON_TEXT), max_size=6),
)
def test_the_staff_area_signed_in_takes_any_path_and_form(
    signed_in_door: SignedInDoor,
    data: st.DataObject,
    method: str,
    tail: str,
    query: str,
    fields: list[tuple[str, str]],
) -> None:
    path = data.draw(st.sampled_from(signed_in_door.paths)) + tail
    answer = signed_in_door.send(method, (path + query).encode("ascii"), fields)
    assert_french_refusal(answer, unquote(path), method)
