"""The simulated users of `make bench-load` (scripts/bench_load.py), on Locust in headless mode.

Runs in the benchmark's own environment (var/locust-venv, scripts/install-locust.sh): Locust
and its dependencies clash with Rasa's, so this file imports nothing from the project.

    var/locust-venv/bin/python scripts/load_users.py CONFIG.json

CONFIG (written by scripts/bench_load.py) says where the door is, how many users, for how
long, and what they type. Each user runs conversations one after the other, each in a new
conversation, as a person would through the public door:

- ``RestUser``: ``POST /api/messages`` (the door issues the conversation id on the first one);
- ``SocketUser`` (a share of the users, by Locust's class weights): the door's Socket.IO
  endpoint as rasa-webchat uses it (``session_request``, then ``user_uttered`` /
  ``bot_uttered``; long-polling first, then the WebSocket upgrade).

In ``diagnostic`` mode a conversation is "bonjour", "commencer", then the canned answer of each
question the replies ask (``custom.question_id``, the message contract), until the result.
In ``reference`` mode (the bare reference assistant, which asks nothing) it is a fixed script
of the same length. Users wait 0.5 to 1.5 s between turns (``wait``).

Bounded in time and count: no turn starts after ``duration`` seconds (an unfinished
conversation is left there), no conversation starts after ``max_conversations``, and the
run is stopped after ``hard_limit`` seconds whatever happens.

Every turn is written to ``out`` (JSON): conversation, sender, transport, index, what was
sent and which question it answered, the question asked next, latency, error. The store check
of scripts/bench_load.py reads it.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()  # before anything imports ssl or socket (Locust does it too, but later here)

import json  # noqa: E402
import queue  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from itertools import count  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, ClassVar  # noqa: E402

import gevent  # noqa: E402
import requests  # noqa: E402
import socketio  # noqa: E402
from locust import HttpUser, User, constant, events, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.exception import StopUser  # noqa: E402

CONFIG: dict[str, Any] = {}  # read by main() from the file named on the command line
ENDS = ("question", "confirmation", "result")  # payloads that end a turn of the diagnostic
TURN_TIMEOUT = 90.0  # s: a turn that gets no reply by then is an error
QUIET = 0.25  # s: a Socket.IO turn without an ending payload ends this long after its last event
MAX_TURNS = 70  # a diagnostic that asks more than twice its questions has gone wrong


class Run:
    """What every user shares: the limits, the counters, the records."""

    started = 0.0
    conversations = count(1)
    turns: ClassVar[list[dict[str, Any]]] = []
    conversation_log: ClassVar[list[dict[str, Any]]] = []
    users: ClassVar[dict[str, int]] = {}

    @classmethod
    def time_is_up(cls) -> bool:
        return time.monotonic() - cls.started >= CONFIG["duration"]

    @classmethod
    def next_conversation(cls) -> int | None:
        number = next(cls.conversations)
        return number if number <= CONFIG["max_conversations"] else None


def _custom(message: dict[str, Any]) -> dict[str, Any]:
    custom = message.get("custom") or (message.get("metadata") or {}).get("custom") or {}
    return custom if isinstance(custom, dict) else {}


def _asked(messages: list[dict[str, Any]]) -> tuple[str | None, dict[str, Any]]:
    """What the replies ask next: ("result", payload), (question id, payload) or (None, {})."""
    found: tuple[str | None, dict[str, Any]] = (None, {})
    for message in messages:
        custom = _custom(message)
        if custom.get("type") == "result":
            return "result", custom
        if custom.get("type") in ("question", "confirmation"):
            found = (custom.get("question_id"), custom)
    return found


class Conversation:
    """One conversation of one user; the transport (REST or Socket.IO) is the user's."""

    def __init__(self, user: DiagnosticUser, number: int) -> None:
        self.user = user
        self.number = number
        self.label = f"{CONFIG['label']}-{number:05d}"
        self.sender: str | None = None
        self.index = 0
        self.log = {
            "conversation": self.label, "number": number, "transport": user.transport,
            "sender": None, "completed": False, "turns": 0, "errors": 0, "ended_by": None,
        }  # fmt: skip
        Run.conversation_log.append(self.log)

    def turn(self, text: str, answers: str | None, payload: str | None = None) -> tuple[str | None, dict]:
        """Sends one message; records it; returns what the reply asks next."""
        self.index += 1
        record: dict[str, Any] = {
            "conversation": self.label, "number": self.number, "transport": self.user.transport,
            "turn": self.index, "sent": text, "answers": answers, "button": payload is not None,
            "t": time.time(),
        }  # fmt: skip
        started = time.perf_counter()
        error: str | None = None
        messages: list[dict[str, Any]] = []
        self.user.replied_at = None
        try:
            messages = self.user.send(self, payload or text)
        except Exception as failure:  # every failure is a recorded error, never a crash
            error = f"{type(failure).__name__}: {failure}"[:300]
        latency = ((self.user.replied_at or time.perf_counter()) - started) * 1000
        asked, custom = _asked(messages)
        if error is None and CONFIG["mode"] == "diagnostic" and asked is None and answers is not None:
            error = "réponse sans question ni résultat: " + " | ".join(
                str(m.get("text", ""))[:80] for m in messages
            )
        record.update(
            sender=self.sender, latency_ms=round(latency, 2), error=error, next=asked,
            kind=custom.get("type"),
            candidates=[c.get("value") for c in custom.get("candidates", [])] or None,
        )  # fmt: skip
        Run.turns.append(record)
        self.log.update(sender=self.sender, turns=self.index)
        if error:
            self.log["errors"] += 1
        events.request.fire(
            request_type=self.user.transport, name="turn", response_time=latency,
            response_length=len(json.dumps(messages)), exception=error and Exception(error),
            context={},
        )  # fmt: skip
        return (None if error else asked), custom

    def pause(self) -> bool:
        """The wait between two turns; False when the time is up (the conversation is left)."""
        low, high = CONFIG["wait"]
        gevent.sleep(random.uniform(low, high))
        if Run.time_is_up():
            self.log["ended_by"] = "temps écoulé"
            return False
        return True

    def run_diagnostic(self) -> None:
        answers: dict[str, str] = CONFIG["answers"]
        first, start = CONFIG["first_messages"]
        self.turn(first, None)
        if not self.pause():
            return
        asked, custom = self.turn(start, None)
        for _ in range(MAX_TURNS):
            if asked is None:
                self.log["ended_by"] = "erreur"
                return
            if asked == "result":
                self.log.update(completed=True, ended_by="résultat")
                return
            if not self.pause():
                return
            if custom.get("type") == "confirmation":
                # Not expected with the canned answers: take the first reading (its button).
                value = custom["candidates"][0]["value"]
                value = ",".join(value) if isinstance(value, list) else value
                payload = "/answer" + json.dumps({"choice": value, "question_id": asked})
                asked, custom = self.turn(f"[confirmation] {value}", asked, payload)
                continue
            typed = answers[asked].format(n=self.number + CONFIG["number_base"])
            asked, custom = self.turn(typed, asked)
        self.log["ended_by"] = "trop de tours"

    def run_reference(self) -> None:
        script: list[str] = CONFIG["reference_script"]
        for index in range(CONFIG["turns_per_conversation"]):
            if index and not self.pause():
                return
            self.turn(script[index % len(script)], None)
        self.log.update(completed=True, ended_by="fin du script")


class DiagnosticUser(User):
    abstract = True
    wait_time = constant(0)  # the waits are inside the conversation (Conversation.pause)
    transport = ""
    replied_at: float | None = None  # when the last event of a Socket.IO turn came

    def on_start(self) -> None:
        Run.users[self.transport] = Run.users.get(self.transport, 0) + 1
        if CONFIG.get("ca_file") and isinstance(self, HttpUser):
            self.client.verify = CONFIG["ca_file"]  # nginx's certificate (the scale-out topology)

    @task
    def conversation(self) -> None:
        if Run.time_is_up():
            raise StopUser()
        number = Run.next_conversation()
        if number is None:
            raise StopUser()
        conversation = Conversation(self, number)
        try:
            self.open(conversation)
            if CONFIG["mode"] == "diagnostic":
                conversation.run_diagnostic()
            else:
                conversation.run_reference()
        finally:
            self.close()
        if not Run.time_is_up():
            low, high = CONFIG["wait"]
            gevent.sleep(random.uniform(low, high))

    def open(self, conversation: Conversation) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, conversation: Conversation, message: str) -> list[dict[str, Any]]:
        raise NotImplementedError


class RestUser(DiagnosticUser, HttpUser):
    """A person on the door's chat API (the widget does the same)."""

    abstract = False
    weight = 3
    transport = "rest"

    def send(self, conversation: Conversation, message: str) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"message": message}
        if conversation.sender is not None:
            body["sender"] = conversation.sender
        with self.client.post(
            "/api/messages", json=body, name="POST /api/messages", timeout=TURN_TIMEOUT, catch_response=True
        ) as response:
            response.success()  # the turn is counted once, by Conversation.turn
            if response.status_code != 200:
                detail = response.text[:200] if response.text else ""
                raise RuntimeError(f"HTTP {response.status_code} {detail}")
            data = response.json()
        conversation.sender = data["sender"]
        return data["messages"]


class SocketUser(DiagnosticUser):
    """A person in the stock rasa-webchat on a commune's site: the door's Socket.IO endpoint."""

    abstract = False
    weight = 1
    transport = "socketio"

    def on_start(self) -> None:
        super().on_start()
        self.sio: socketio.Client | None = None
        self.inbox: queue.Queue = queue.Queue()

    def open(self, conversation: Conversation) -> None:
        self.inbox = queue.Queue()
        # Behind nginx's self-signed loopback certificate (scale-out), the client checks it
        # (``ca_file``, for the polling requests and the WebSocket alike). trust_env off: a CA
        # bundle named in the environment (REQUESTS_CA_BUNDLE) would override the session's.
        # suppress_origin: the WebSocket library would add an Origin of its own beside the
        # browser-like one sent here, and the door refuses a doubled Origin.
        http = requests.Session()
        http.trust_env = False
        http.verify = CONFIG.get("ca_file") or True
        sio = socketio.Client(
            reconnection=False, http_session=http, websocket_extra_options={"suppress_origin": True}
        )
        inbox = self.inbox
        sio.on("bot_uttered", lambda data: inbox.put(("bot_uttered", time.perf_counter(), data)))
        sio.on("session_confirm", lambda data: inbox.put(("session_confirm", time.perf_counter(), data)))
        started = time.perf_counter()
        try:
            sio.connect(
                self.host, socketio_path="/socket.io/", headers={"Origin": self.host}, wait_timeout=30
            )
            sio.emit("session_request", {"session_id": None})
            conversation.sender = self._next("session_confirm")
            error = None
        except Exception as failure:
            error = failure
            sio.disconnect()
            raise
        finally:
            events.request.fire(
                request_type="socketio", name="connect", response_time=(time.perf_counter() - started) * 1000,
                response_length=0, exception=error, context={},
            )  # fmt: skip
        self.sio = sio

    def _next(self, wanted: str, timeout: float = TURN_TIMEOUT) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            event, _, data = self.inbox.get(timeout=max(0.0, deadline - time.monotonic()))
            if event == wanted:
                return data

    def close(self) -> None:
        # As a person closing the tab: the user goes on at once. (python-socketio's disconnect()
        # waits for its read loop, up to a ping interval, 25 s: in the background.)
        if self.sio is not None:
            gevent.spawn(self.sio.disconnect)
            self.sio = None

    def send(self, conversation: Conversation, message: str) -> list[dict[str, Any]]:
        if self.sio is None:
            raise RuntimeError("pas de connexion Socket.IO")
        while not self.inbox.empty():  # the tail of the previous turn's burst
            self.inbox.get_nowait()
        self.sio.emit("user_uttered", {"message": message, "session_id": conversation.sender})
        received: list[dict[str, Any]] = []
        deadline = time.monotonic() + TURN_TIMEOUT
        while True:
            # Until an event that ends the turn (a question, a confirmation, the result, or the
            # welcome's buttons) or, failing that, QUIET seconds without any event.
            wait = QUIET if received else max(0.0, deadline - time.monotonic())
            try:
                event, at, data = self.inbox.get(timeout=wait)
            except queue.Empty:
                if received:
                    return received
                raise TimeoutError("aucune réponse Socket.IO") from None
            if event != "bot_uttered" or not isinstance(data, dict):
                continue
            received.append(data)
            self.replied_at = at
            ends = _custom(data).get("type") in ENDS or bool(data.get("quick_replies"))
            if CONFIG["mode"] == "diagnostic" and ends:
                return received


def main() -> int:
    CONFIG.update(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
    out = Path(CONFIG["out"])
    random.seed(CONFIG.get("seed", 1))
    users = [RestUser, SocketUser] if CONFIG["socket_share"] > 0 else [RestUser]
    SocketUser.weight = max(1, round(CONFIG["socket_share"] * 100))
    RestUser.weight = max(1, 100 - SocketUser.weight)
    environment = Environment(user_classes=users, host=CONFIG["door_url"], events=events)
    runner = environment.create_local_runner()
    Run.started = time.monotonic()
    started_at = time.time()
    runner.start(CONFIG["users"], spawn_rate=CONFIG["spawn_rate"])
    gevent.sleep(0.5)
    while time.monotonic() - Run.started < CONFIG["hard_limit"]:
        spawning = runner.spawning_greenlet is not None and not runner.spawning_greenlet.dead
        if not spawning and runner.user_count == 0:
            break
        gevent.sleep(0.2)
    stopped_by_limit = runner.user_count > 0
    ended_at = time.time()
    # Locust's own statistics, by entry ("turn" by transport, the HTTP requests, the Socket.IO
    # connections); the benchmark's figures come from the turn records.
    summary: dict[str, Any] = {"users": Run.users, "entries": {}}
    for (name, method), entry in runner.stats.entries.items():
        summary["entries"][f"{method} {name}"] = {
            "requests": entry.num_requests, "failures": entry.num_failures,
            "median_ms": entry.median_response_time, "p95_ms": entry.get_response_time_percentile(0.95),
        }  # fmt: skip
    runner.quit()
    result = {
        "started_at": started_at, "ended_at": ended_at, "stopped_by_limit": stopped_by_limit,
        "turns": Run.turns, "conversations": Run.conversation_log, "locust": summary,
    }  # fmt: skip
    out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
