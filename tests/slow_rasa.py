"""A slow Rasa for the fault and browser tests: a small proxy in front of the real one.

Every request is passed on to Rasa at once (the turn is processed and stored as usual); the
answer to a POST is then held ``delay`` seconds before it goes back. A door pointed at the
proxy (DIAGNOSTIC_RASA_URL) sees a Rasa that answers late, as a loaded server would.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

_PASSED_HEADERS = ("content-type", "x-diagnostic-secret")


class SlowRasa:
    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.delay = 0.0  # seconds an answer to a POST is held
        self.posts: list[dict[str, Any]] = []  # the JSON bodies posted, in order
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def posted(self, **fields: Any) -> list[dict[str, Any]]:
        """The bodies posted that have these fields."""
        with self._lock:
            return [body for body in self.posts if all(body.get(k) == v for k, v in fields.items())]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _pass(self, method: str) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() in _PASSED_HEADERS}
                if method == "POST":
                    with proxy._lock:
                        proxy.posts.append(json.loads(body or b"{}"))
                    delay = proxy.delay
                else:
                    delay = 0.0
                try:
                    url = proxy.target + self.path
                    answer = httpx.request(method, url, content=body, headers=headers, timeout=120)
                    status, content = answer.status_code, answer.content
                    kind = answer.headers.get("content-type", "application/json")
                except httpx.HTTPError:
                    status, content, kind = 502, b"", "text/plain"
                time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def do_GET(self) -> None:  # http.server's names
                self._pass("GET")

            def do_POST(self) -> None:
                self._pass("POST")

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return None

        return Handler

    @contextmanager
    def running(self) -> Iterator[SlowRasa]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=10)
