"""Each message goes to Rasa once: the door's memory of the messages it is sending.

A browser that gets no answer in time (slow Rasa, lost connection) sends its message again
with the same ``message_id``; a double click or a second tab may send the same text twice at
once. :meth:`MessageLedger.send` sends each message once:

- a message already on its way is not sent again: the second request waits for the first
  one's replies (two identical messages at once, or a retry while Rasa is still working);
- after ``wait`` seconds the door stops waiting and tells the person (504, "réessayez"), but
  the request to Rasa goes on (``rasa_client.request_limit``): a retry gets its replies;
- the replies to a message that has a ``message_id`` are kept ``keep`` seconds, for a retry
  whose first answer was lost on the way; a message without one is only answered again if
  its replies never reached the person and nothing was said since (the person has not seen
  what came next, so the same text again is the same answer again).

A message is known by its conversation, message id, question id and text; a failed one
(Rasa down, no answer) is forgotten at once, so that a retry sends it again. The ledger lives
in this process's memory: with several door processes a retry may reach another one, which
sends it to Rasa again; the question id then makes the engine refuse it as already answered
(bot/dialogue.py, ``DiagnosticConversation.stale``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.web.rasa_client import too_slow

Replies = list[dict[str, Any]]
Key = tuple[str, str, str, str]
KEEP_SECONDS = 600.0
MAX_ENTRIES = 10_000


class Sender(Protocol):
    async def send(self, sender: str, message: str, question_id: str | None = None) -> Replies: ...


@dataclass
class _Entry:
    task: asyncio.Future[Replies]
    replayable: bool  # the client gave a message id: its retries get the same replies
    delivered: bool = False  # the replies reached the client at least once
    finished_at: float | None = None


class MessageLedger:
    """See the module's docstring. ``clock`` (monotonic seconds) is for the tests."""

    def __init__(
        self,
        wait: float,
        keep: float = KEEP_SECONDS,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.wait = wait
        self.keep = keep
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        self._latest: dict[str, Key] = {}  # conversation -> key of its latest message

    def __len__(self) -> int:
        return len(self._entries)

    async def send(
        self,
        rasa: Sender,
        conversation: str,
        message: str,
        *,
        question_id: str | None = None,
        message_id: str | None = None,
    ) -> Replies:
        """Rasa's replies to ``message``, sent once whatever the retries (AssistantError if none)."""
        self._forget_old()
        key: Key = (conversation, message_id or "", question_id or "", message)
        entry = self._reusable(key)
        self._latest[conversation] = key
        if entry is None:
            task = asyncio.ensure_future(rasa.send(conversation, message, question_id))
            entry = _Entry(task, replayable=message_id is not None)
            self._entries[key] = entry
            task.add_done_callback(lambda done: self._finished(key, entry))
        done, _ = await asyncio.wait({entry.task}, timeout=self.wait)
        if not done:
            raise too_slow()  # the request goes on: a retry waits for it, or gets its replies
        replies = entry.task.result()  # its AssistantError, if it failed
        entry.delivered = True
        return replies

    def _reusable(self, key: Key) -> _Entry | None:
        """The entry whose replies answer ``key`` (on its way, or kept), if any."""
        entry = self._entries.get(key)
        if entry is None or not entry.task.done():
            return entry
        if entry.replayable or (not entry.delivered and self._latest.get(key[0]) == key):
            return entry
        del self._entries[key]
        return None

    def _finished(self, key: Key, entry: _Entry) -> None:
        failed = entry.task.cancelled() or entry.task.exception() is not None
        if failed or (entry.delivered and not entry.replayable):
            if self._entries.get(key) is entry:
                del self._entries[key]
            return
        entry.finished_at = self._clock()

    def _forget_old(self) -> None:
        now = self._clock()
        for key in [k for k, e in self._entries.items() if self._expired(e, now)]:
            del self._entries[key]
        for key in list(self._entries)[: max(0, len(self._entries) - self.max_entries)]:
            if self._entries[key].task.done():
                del self._entries[key]
        known = {key[0] for key in self._entries}
        for conversation in [c for c in self._latest if c not in known]:
            del self._latest[conversation]

    def _expired(self, entry: _Entry, now: float) -> bool:
        if entry.finished_at is None:
            return False
        if entry.delivered and not entry.replayable:
            return True
        return now - entry.finished_at > self.keep

    async def aclose(self) -> None:
        """Cancels the requests still on their way (the application stops)."""
        pending = [entry.task for entry in self._entries.values() if not entry.task.done()]
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(BaseException):
                await task
        self._entries.clear()
        self._latest.clear()
