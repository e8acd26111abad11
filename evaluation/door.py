"""Answers in context, through the door: complete diagnostics at the chat API, as people live them.

The same labelled answers and the same outcomes as ``evaluation/answers.py``
(right / wrong / confirm / not_understood, per answer type), but played on the real servers:
the action server, Rasa and the web application (``python -m bot.web site``), started as the
end-to-end tests start them (``tests/servers.py``), with the door's rate limits raised for
the run (``DIAGNOSTIC_RATE_LIMIT``, ``DIAGNOSTIC_RATE_LIMIT_IP``).

Each conversation starts a diagnostic at ``POST /api/messages`` and answers whatever question
comes next, read from the question payloads of the replies (``{"type": "question",
"question_id": …}``; every message then says which question it answers, as the widget's do),
never from a fixed order: when the flow skips, adds or moves a
question, the runner follows. At a question it has not answered yet in this conversation,
it types the next unused labelled answer for that question id; the answers of a question
are thus spread over as many conversations as needed, and conversations go on until every
answer is played once (or until a whole conversation is asked none of the remaining
questions: those answers are counted as not played).

The outcome of a labelled answer is read from what was stored (the diagnostic store, before
and after the turn) and from the replies (a confirmation payload ``{"type":
"confirmation", …}``, or before it existed the confirmation text): ``outcome_of`` of
``answer_evaluation``. A value stored at another question than the pending one counts as
stored wrong. When the answer leaves its question pending (confirmation, not understood,
a question about the question, a null label), the runner finishes the question with a
known-good answer (the button of the expected value, else of a valid one; a skip if even
that is refused) so that the diagnostic goes on. Questions without a labelled answer left,
and questions asked again (a correction, a restart), get the same known-good answers.

``measure`` runs this on today's tree and on a baseline: another commit exported with ``git
archive`` into a temporary folder, its model trained once with the shared virtualenv and
cached by commit under ``var/cache/door-baseline/``, its own servers started from its tree.
For the blind set only aggregate figures are ever printed or written (tests/nlu_blind/README.md).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from evaluation.answers import (
    ROOT,
    Figures,
    Item,
    Played,
    confirmation_of,
    outcome_of,
    stored_value,
    type_of,
)

# The commit right before "Understanding in context (issue 10, in progress)" (5e7e70f^):
# today's pipeline as it was before issue 10's understanding work.
BASELINE_COMMIT = "c4b43ae26223a8bde049c29e994a9d78fbd4f90b"
BASELINE_CACHE = ROOT / "var" / "cache" / "door-baseline"
RAISED_LIMITS = {"DIAGNOSTIC_RATE_LIMIT": "1000000", "DIAGNOSTIC_RATE_LIMIT_IP": "1000000"}
START = "/start_diagnostic"  # also resumes a paused diagnostic and asks its question again
SKIP = "/skip"
KNOWN_GOOD_TEXT = "Commune de Saint-Aubin"
OTHER_QUESTION = "<autre question>"  # the stored value of an answer stored at another question
MAX_TURNS = 400  # per conversation: far above 31 questions and their known-good answers
REQUEST_TIMEOUT = 120.0
RETRIES = 4


class DoorError(RuntimeError):
    """The door or the flow did something the runner cannot follow (the message says what)."""


@dataclass(frozen=True)
class Door:
    """A running web application, and the diagnostic store its servers write to."""

    url: str
    database_url: str
    folder: Path  # the servers' logs

    def store(self) -> Any:
        """A read-only view of the store (not migrated: the tree's own servers did it)."""
        from bot.storage import DiagnosticStore
        from bot.storage.engine import make_engine

        return DiagnosticStore(make_engine(self.database_url))


@contextmanager
def door_on(servers: Any, folder: Path, root: Path = ROOT) -> Iterator[Door]:
    """The web application of ``root`` on running Rasa servers (``tests.servers.Servers``)."""
    from tests.servers import free_port, running

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **servers.env,
        "DIAGNOSTIC_PUBLIC_URL": url,
        "DIAGNOSTIC_WEB_HOST": "127.0.0.1",
        "DIAGNOSTIC_WEB_PORT": str(port),
        "DIAGNOSTIC_RASA_URL": servers.rasa_url,
        **RAISED_LIMITS,
    }
    command = [sys.executable, "-m", "bot.web", "site"]
    with running(command, env, folder / "web.log", f"{url}/api/health", root):
        yield Door(url, env["DIAGNOSTIC_DATABASE_URL"], folder)


@contextmanager
def door(folder: Path, root: Path = ROOT, model: Path | None = None) -> Iterator[Door]:
    """The action server, Rasa and the web application of ``root``, on ``model``."""
    from tests.servers import MODEL, rasa_servers

    # Its own tree first on the path: a baseline's servers never import today's code.
    with (
        rasa_servers(folder, {"PYTHONPATH": str(root)}, root=root, model=model or MODEL) as servers,
        door_on(servers, folder, root) as started,
    ):
        yield started


# --- one conversation --------------------------------------------------------------


def payload_of(messages: Iterable[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    """The last custom payload of this type ("question", "confirmation", "result")."""
    found = None
    for message in messages:
        custom = message.get("custom") or {}
        if isinstance(custom, dict) and custom.get("type") == kind:
            found = custom
    return found


def stored_change(before: Mapping[str, Any], after: Mapping[str, Any], question_id: str) -> Any:
    """What one turn stored: the value at the question, else OTHER_QUESTION, else None."""
    changed = {q for q, answer in after.items() if before.get(q) != answer}
    if question_id in changed:
        return stored_value(dict(after), question_id)
    return OTHER_QUESTION if changed else None


def known_good(question: Mapping[str, Any], preferred: Any = None) -> str:
    """A button payload that answers the question: the preferred value if given, else a valid one."""
    from bot.dialogue import answer_payload

    kind = question.get("answer_type")
    if kind == "texte":
        return answer_payload(KNOWN_GOOD_TEXT)
    if preferred is not None:
        return answer_payload(",".join(preferred) if isinstance(preferred, list) else str(preferred))
    choices = question.get("choices") or []
    if choices:
        return answer_payload(str(choices[0]["value"]))
    low = question.get("minimum")
    return answer_payload(str(max(int(low or 0), 1) * 100 if kind == "nombre" else int(low or 1)))


class Conversation:
    """One diagnostic at the door, from its start to its result."""

    def __init__(self, door: Door, client: httpx.Client, store: Any, take: Callable[[str], Item | None]):
        self.door = door
        self.client = client
        self.store = store
        self.take = take
        self.sender: str | None = None
        self.asked: dict[str, dict[str, Any]] = {}  # question payloads seen, by question id
        self.played: list[Played] = []
        self.turns = 0

    def say(self, message: str, question_id: str | None = None) -> list[dict[str, Any]]:
        """Send a message, with the id of the question it answers and a message id (as the
        widget does: a retry after a timeout is then not played twice)."""
        body: dict[str, Any] = {"message": message, "message_id": uuid.uuid4().hex}
        if self.sender is not None:
            body["sender"] = self.sender
        if question_id is not None:
            body["question_id"] = question_id
        for attempt in range(RETRIES + 1):
            try:
                response = self.client.post(f"{self.door.url}/api/messages", json=body)
            except httpx.TransportError:
                if attempt == RETRIES:
                    raise
                time.sleep(2**attempt)
                continue
            if response.status_code == 200:
                break
            if attempt == RETRIES or response.status_code not in (429, 502, 503, 504):
                raise DoorError(f"POST /api/messages: {response.status_code} {response.text[:300]}")
            time.sleep(float(response.headers.get("Retry-After") or 2**attempt))
        data = response.json()
        self.sender = data["sender"]
        self.turns += 1
        messages = data["messages"]
        question = payload_of(messages, "question")
        if question is not None:
            self.asked[question["question_id"]] = question
        return messages

    def answers(self) -> dict[str, Any]:
        record = self.store.latest_for_sender(self.sender) if self.sender else None
        return {} if record is None else self.store.answers(record.id)

    def pending(self, messages: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The question waiting for an answer (its payload), or None when the diagnostic is over."""
        for _ in range(2):
            if payload_of(messages, "result") is not None:
                return None
            question = payload_of(messages, "question")
            if question is not None:
                return question
            # No question in the replies (a confirmation, a pause, small talk): the store says
            # which question waits; a question not asked yet, or a pause, is asked again.
            record = self.store.latest_for_sender(self.sender) if self.sender else None
            if record is not None and record.status == "termine":
                return None
            if record is not None and record.status == "en_cours":
                waiting = record.revising_question_id or record.current_question_id
                if waiting in self.asked:
                    return self.asked[waiting]
            messages = self.say(START)
        raise DoorError("no question pending, and the diagnostic is not over")

    def run(self) -> list[Played]:
        messages = self.say(START)
        visited: set[str] = set()
        preferred: dict[str, Any] = {}
        last, stuck = None, 0
        while self.turns < MAX_TURNS:
            question = self.pending(messages)
            if question is None:
                return self.played
            question_id = question["question_id"]
            stuck = stuck + 1 if question_id == last else 0
            last = question_id
            item = None if question_id in visited else self.take(question_id)
            visited.add(question_id)
            if item is None:
                if stuck > 2:
                    raise DoorError(f"the question {question_id} stays pending after a skip")
                reply = SKIP if stuck == 2 else known_good(question, preferred.get(question_id))
                messages = self.say(reply, question_id)
                continue
            preferred[question_id] = item.value
            before = self.answers()
            messages = self.say(item.text, question_id)
            stored = stored_change(before, self.answers(), question_id)
            confirmed = confirmation_of(messages)
            answer_type = type_of(question.get("answer_type", ""), bool(question.get("multiple")))
            outcome = outcome_of(item.value, stored, confirmed)
            self.played.append(Played(item, answer_type, "", 0.0, stored, confirmed, outcome, "door"))
        raise DoorError(f"the diagnostic did not end within {MAX_TURNS} messages")


# --- every item, over as many conversations as needed ------------------------------


@dataclass
class DoorRun:
    played: list[Played] = field(default_factory=list)
    unplayed: Counter = field(default_factory=Counter)  # question id -> answers never asked
    conversations: int = 0
    turns: int = 0
    seconds: float = 0.0

    def figures(self) -> Figures:
        result = Figures()
        for p in self.played:
            result.add(p.answer_type, p.outcome)
        return result

    def as_dict(self) -> dict[str, Any]:
        """Aggregates only: figures per answer type, counts; never an item."""
        return {
            "figures": self.figures().as_dict(),
            "unplayed": dict(self.unplayed),
            "conversations": self.conversations,
            "turns": self.turns,
            "seconds": self.seconds,
        }


def play(door: Door, items: Iterable[Item], parallel: int = 2) -> DoorRun:
    """Every item once, in complete diagnostics at the door (``parallel`` at a time)."""
    queues: dict[str, deque[Item]] = defaultdict(deque)
    for item in items:
        queues[item.question_id].append(item)
    lock = threading.Lock()
    run = DoorRun()
    errors: list[BaseException] = []
    start = time.perf_counter()

    def take(question_id: str) -> Item | None:
        with lock:
            queue = queues.get(question_id)
            return queue.popleft() if queue else None

    def left() -> bool:
        with lock:
            return any(queues.values()) and not errors

    def worker() -> None:
        store = door.store()
        try:
            with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
                while left():
                    conversation = Conversation(door, client, store, take)
                    played = conversation.run()
                    with lock:
                        run.played += played
                        run.conversations += 1
                        run.turns += conversation.turns
                    if not played:  # none of the remaining questions was asked
                        return
        except BaseException as error:  # reported by play()
            with lock:
                errors.append(error)
        finally:
            store.engine.dispose()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, parallel))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise DoorError(f"the run stopped: {errors[0]!r}") from errors[0]
    run.unplayed = Counter({q: len(queue) for q, queue in queues.items() if queue})
    run.seconds = time.perf_counter() - start
    return run


# --- today's tree and the baseline, in the same run --------------------------------


def resolve(commit: str) -> str:
    completed = subprocess.run(
        ["git", "rev-parse", "--verify", f"{commit}^{{commit}}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return completed.stdout.strip()


def export_tree(commit: str, folder: Path) -> Path:
    """The files of ``commit`` (``git archive``) in ``folder``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder)  # our own repository's archive
    return folder


def baseline_model(commit: str, tree: Path, cache: Path = BASELINE_CACHE) -> Path:
    """The model of ``commit``'s tree, trained once (``rasa train``) and cached by commit."""
    from tests.servers import RASA

    model = cache / f"{commit}.tar.gz"
    if model.exists():
        return model
    cache.mkdir(parents=True, exist_ok=True)
    print(f"  entraînement du modèle de {commit[:7]} (une fois, mis en cache)…", flush=True)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    with (cache / f"{commit}.train.log").open("w") as log:
        subprocess.run(
            [str(RASA), "train", "--fixed-model-name", commit, "--out", str(cache), "--quiet"],
            cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT, check=True,
        )  # fmt: skip
    if not model.exists():
        raise DoorError(f"rasa train wrote no {model}")
    return model


@contextmanager
def pipeline(name: str, work: Path, baseline: str = BASELINE_COMMIT) -> Iterator[Door]:
    """The door of today's tree (``current``) or of the baseline commit (``baseline``)."""
    folder = work / name
    folder.mkdir(parents=True)
    if name == "current":
        with door(folder) as started:
            yield started
        return
    commit = resolve(baseline)
    tree = export_tree(commit, work / f"tree-{commit[:7]}")
    model = baseline_model(commit, tree)
    with door(folder, root=tree, model=model) as started:
        yield started


def measure(
    sets: Mapping[str, list[Item]],
    pipelines: Iterable[str] = ("baseline", "current"),
    parallel: int = 2,
    baseline: str = BASELINE_COMMIT,
    on_run: Callable[[str, str, DoorRun], None] | None = None,
) -> dict[str, dict[str, DoorRun]]:
    """Each pipeline's servers in turn, each set of items played through its door."""
    results: dict[str, dict[str, DoorRun]] = {}
    with tempfile.TemporaryDirectory(prefix="door-eval-") as tmp:
        for name in pipelines:
            print(f"par la porte : {name}…", flush=True)
            with pipeline(name, Path(tmp), baseline) as started:
                results[name] = {}
                for label, items in sets.items():
                    run = play(started, items, parallel)
                    results[name][label] = run
                    if on_run is not None:
                        on_run(name, label, run)
    return results
