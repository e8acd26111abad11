"""The diagnostic conversation: what to say and store for each kind of user turn.

Rasa recognises what the person wants (an answer, "pourquoi ?", "passer"...) and
calls one method of :class:`DiagnosticConversation`; the method reads and writes
the diagnostic store and returns the replies to send. All the state lives in the
store (current question, question being corrected, failed attempts), so a person
who comes back later, or after a restart of the servers, continues where they
stopped.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from bot.answers import Answer, AnswerMap, Interpretation
from bot.authorities.index import Authority
from bot.authorities.lookup import AuthorityLookup
from bot.authorities.normalise import words
from bot.formatting import number, value_label
from bot.messages import Messages
from bot.progress import FIRST_ACTION_QUESTION
from bot.questionnaire import PROFILE_SECTION, Question, Questionnaire
from bot.recommendations import Catalogue, Recommendation, recommend
from bot.records import COMMUNE_TYPE, OPEN_STATUSES, REPEAT_SOURCE, DiagnosticRecord, DiagnosticStorage
from bot.scoring import Maturity, compute_maturity
from bot.understanding.answers import normalise
from bot.understanding.context import ANSWERISH, Decision, read_in_context
from bot.understanding.lookup import find_glossary_entry, find_question_by_topic

# Answers longer than this are refused rather than guessed at.
MAX_ANSWER_LENGTH = 500
# After this many answers in a row that cannot be understood, offer buttons and a skip.
FAILED_ATTEMPTS_BEFORE_HELP = 2

# Payloads of the quick-reply buttons; domain.yml declares the intents and the entity.
START_PAYLOAD = "/start_diagnostic"
RESTART_PAYLOAD = "/start_over"
SKIP_PAYLOAD = "/skip"
DONT_KNOW_PAYLOAD = "/dont_know"

# The conversation writes "12 000" with a plain space (the pages, with a narrow no-break one).
CHAT_THOUSANDS = " "
# "Toujours vrai" in a repeat: the previous answer to the pending question, stored again.
KEEP_CHOICE = "previous:same"

# The authority, recognised in the official administrative division (bot/authorities/).
NAME_QUESTION = "nom_collectivite"
TYPE_QUESTION = "type_collectivite"
POPULATION_QUESTION = "population"
EPCI_TYPE = "intercommunalite"
# Choice codes of the confirmation buttons: "authority:30334" (Uzès: yes, or this homonym),
# "authority:none" (no), "authority:none:Uzes" (no, and keep the name as it was typed).
AUTHORITY_CHOICE = "authority:"
NOT_THIS_ONE = "none"
# Homonyms offered as buttons (the others by typing the name with its département).
MAX_HOMONYM_BUTTONS = 8


def answer_payload(code: str) -> str:
    return "/answer" + json.dumps({"choice": code})


def _one_transaction(method: Callable[..., list[Reply]]) -> Callable[..., list[Reply]]:
    """Everything the method writes (answer, state, next question, result) is one transaction:
    if the store fails half-way, nothing is kept and the person can say it again."""

    @functools.wraps(method)
    def in_one_transaction(self: DiagnosticConversation, *args: Any, **kwargs: Any) -> list[Reply]:
        with self.store.turn():
            return method(self, *args, **kwargs)

    return in_one_transaction


@dataclass(frozen=True)
class Reply:
    """One message to send: text, optional quick replies (title, payload), optional payload."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    custom: dict[str, Any] | None = field(default=None, compare=False)


class DiagnosticConversation:
    def __init__(
        self,
        store: DiagnosticStorage,
        questionnaire: Questionnaire,
        catalogue: Catalogue,
        messages: Messages,
        report_url: Callable[[str], str],
        lookup: AuthorityLookup | None = None,
    ) -> None:
        """``report_url`` gives a diagnostic's report address from its public id (the web's
        business: ``bot.settings.report_url``). ``lookup`` recognises the authority a person
        names (None without the official division: the type, name and population questions
        are asked as typed answers)."""
        self.store = store
        self.questionnaire = questionnaire
        self.catalogue = catalogue
        self.messages = messages
        self._report_url = report_url
        self.lookup = lookup

    @functools.cached_property
    def _is_it_you(self) -> Question:
        """"Oui" / "non" typed instead of clicked at the authority's confirmation are read like
        the answer to this yes / no question."""
        return Question(
            id="collectivite_confirmee",
            section=PROFILE_SECTION,
            text=self.messages.say("authority_is_it_you"),
            why=self.messages.say("authority_is_it_you_why"),
            answer_type="oui_partiel_non",
        )

    # --- entry points, one per kind of user turn -----------------------------------

    def welcome(self, sender_id: str) -> list[Reply]:
        """A greeting: introduce the diagnostic, or resume the one in progress."""
        carried_on = self._carry_on(self.store.latest_for_sender(sender_id))
        return carried_on if carried_on is not None else self._introduction()

    def start(self, sender_id: str) -> list[Reply]:
        """"Commencer": begin a diagnostic, or carry on with the one in progress."""
        carried_on = self._carry_on(self.store.latest_for_sender(sender_id))
        return carried_on if carried_on is not None else self._begin(sender_id)

    def _carry_on(self, record: DiagnosticRecord | None) -> list[Reply] | None:
        """The diagnostic in progress resumed, or the finished one's reply; None without either."""
        if record is not None and record.status in OPEN_STATUSES:
            return self._resume(record)
        if record is not None and record.status == "termine":
            return [self._finished_reply()]
        return None

    def restart(self, sender_id: str) -> list[Reply]:
        """"Recommencer": archive the current diagnostic and start a new one."""
        had_one = self.store.latest_for_sender(sender_id) is not None
        replies = [Reply(self.messages.say("restarted"))] if had_one else []
        return replies + self._begin(sender_id, intro=not had_one)

    @_one_transaction
    def answer(self, sender_id: str, text: str | None, choice: str | None = None) -> list[Reply]:
        """A free answer (typed) or a button's choice code, for the current question."""
        record = self.store.latest_for_sender(sender_id)
        if record is None:
            return self._begin(sender_id)
        if record.status == "termine":
            return [self._finished_reply()]
        question = self._asked_question(record)
        resumed = record.status == "en_pause"
        if resumed:
            record = self.store.update_state(record.id, status="en_cours")
        text = (text or "").strip()
        if choice is not None and choice.startswith(AUTHORITY_CHOICE):
            return self._authority_choice(record, question, choice[len(AUTHORITY_CHOICE) :])
        if choice == KEEP_CHOICE:
            return self._keep_previous(record, question)
        if choice is None and not text:
            return [Reply(self.messages.say("empty_message")), self._question_reply(question, record=record)]
        if choice is None and len(text) > MAX_ANSWER_LENGTH:
            return [
                Reply(self.messages.say("too_long", length=_number(len(text)))),
                self._question_reply(question, record=record),
            ]
        if choice is not None:
            interpretation = normalise(question, choice)
            if interpretation is None:
                return self._not_understood(record, question)
            return self._store_and_continue(
                record, question, interpretation, self._display_value(question, interpretation.value)
            )
        decision = read_in_context(question, text, "answer", 1.0)
        if decision.kind in ("not_understood", "intent") and resumed:
            return self._resume(record)
        return self._apply(record, question, decision, text)

    def in_context(
        self,
        sender_id: str,
        text: str | None,
        intent: str | None,
        confidence: float = 1.0,
        question_id: str | None = None,
        offered: tuple[str, ...] = (),
    ) -> list[Reply] | None:
        """Context first: a message typed while a question is pending is read as its answer.

        Returns the replies when the message answers the pending question (or needs a
        confirmation); None when it is not an answer and the intent's own action should
        run (small talk, a command, a question about the question). Answers proper
        (intent ``answer`` or ``nlu_fallback``) are left to :meth:`answer`. A message sent
        for a question that is no longer pending (``question_id``) is refused: see
        :meth:`stale`.

        ``offered``: the choice codes of the buttons the person was shown last (the client's
        screen, as ``question_id``): "oui", "non" or a département typed instead of a click on
        an authority's confirmation buttons is that click.
        """
        if question_id is not None:
            refused = self.stale(sender_id, question_id)
            if refused is not None:
                return refused
        if text and not text.startswith("/"):
            opening = self._opening(sender_id, text.strip())
            if opening is not None:
                return opening
            if self._says_keep(sender_id, text):
                return self.answer(sender_id, None, choice=KEEP_CHOICE)
            clicked = self._typed_choice(sender_id, text.strip(), intent or "answer", confidence, offered)
            if clicked is not None:
                return self.answer(sender_id, None, choice=clicked)
        if not text or intent is None or intent in ANSWERISH or text.startswith("/"):
            return None
        record = self.store.latest_for_sender(sender_id)
        if record is None or record.status != "en_cours":
            return None
        text = text.strip()
        if not text or len(text) > MAX_ANSWER_LENGTH:
            return None
        question = self._asked_question(record)
        decision = read_in_context(question, text, intent, confidence)
        if decision.kind == "intent":
            # Not an answer, but it may say who the person is ("bonjour, je suis DGS de Sens"),
            # or be a bare name the classifier took for something else ("Orange").
            spotted = self._spotted(question, text)
            if spotted:
                return [self._proposal(question, spotted)]
            named = self._named_exactly(question, text)
            return [self._proposal(question, named, typed=text)] if named else None
        return self._apply(record, question, decision, text)

    def stale(self, sender_id: str, question_id: str) -> list[Reply] | None:
        """A message that says which question it answers (clients send back the
        ``question_id`` of the question they show): None while that question is the pending
        one (the one asked, or the one being corrected). Otherwise the message is late: a
        second tab, a double click or a retry answered that question already. Nothing is
        stored; the replies say so and ask the pending question (or say the diagnostic is
        finished), so that an answer is never filed under the question that came next.
        """
        record = self.store.latest_for_sender(sender_id)
        if record is None or record.status not in (*OPEN_STATUSES, "termine"):
            return None
        notice = Reply(self.messages.say("stale_answer"))
        if record.status == "termine":
            return [notice, self._finished_reply()]
        pending = self._asked_question(record)
        if pending.id == question_id:
            return None
        return [notice, self._question_reply(pending, record=record)]

    def _apply(
        self, record: DiagnosticRecord, question: Question, decision: Decision, text: str
    ) -> list[Reply]:
        if question.id == NAME_QUESTION and self.lookup is not None:
            return self._name_answer(record, question, decision, text)
        if decision.kind == "answer" and decision.interpretation is not None:
            return self._store_and_continue(record, question, decision.interpretation, text)
        if decision.kind == "confirm" and decision.interpretation is not None:
            return [self._confirmation(question, decision.interpretation)]
        return self._not_understood(record, question)

    def off_script(self, sender_id: str, text: str | None, kind: str, confidence: float = 0.5) -> list[Reply]:
        """Off-topic or foreign-language message: accept it if it answers the question
        (:meth:`in_context`), else a short reply, then the question.

        ``confidence`` is the classifier's for this message: the actions pass it, so that this
        reading agrees with their context-first one instead of reading again, less sure of the
        intent, a message already judged no answer (and storing it)."""
        intent = "other_language" if kind == "other_language" else "out_of_scope"
        replies = self.in_context(sender_id, text, intent, confidence)
        if replies is not None:
            return replies
        return [Reply(self.messages.say(kind)), *self.current_question(sender_id)]

    @_one_transaction
    def dont_know(self, sender_id: str, text: str | None) -> list[Reply]:
        record = self._open_record(sender_id)
        if record is None:
            return self.welcome(sender_id)
        record = self._ensure_running(record)
        question = self._asked_question(record)
        value = "ne_sait_pas" if question.answer_type == "oui_partiel_non" else None
        return self._store_and_continue(
            record, question, Interpretation(value=value, unknown=True), (text or "").strip() or None
        )

    @_one_transaction
    def skip(self, sender_id: str) -> list[Reply]:
        record = self._open_record(sender_id)
        if record is None:
            return self.welcome(sender_id)
        record = self._ensure_running(record)
        if record.revising_question_id is not None:
            record = self.store.update_state(record.id, revising_question_id=None, failed_attempts=0)
            return [Reply(self.messages.say("correction_cancelled")), *self._ask_next(record)]
        question = self._asked_question(record)
        self.store.save_answer(record.id, question.id, None, "skipped", None)
        return [Reply(self.messages.say("skipped")), *self._ask_next(record)]

    def explain(self, sender_id: str) -> list[Reply]:
        """"Pourquoi cette question ?": the current question's explanation, then the question."""
        record = self._open_record(sender_id)
        if record is None:
            return [Reply(self.messages.say("why_no_question"))]
        record = self._ensure_running(record)
        question = self._asked_question(record)
        return [
            Reply(self.messages.say("why_prefix", why=question.why)),
            self._question_reply(question, record=record),
        ]

    def define(self, sender_id: str, term: str | None, text: str | None) -> list[Reply]:
        """A glossary question ("c'est quoi l'interopérabilité ?"), then back to the question."""
        entry = None
        for candidate in (term, text):
            if candidate:
                entry = find_glossary_entry(self.questionnaire.glossary, candidate)
                if entry is not None:
                    break
        if entry is None:
            terms = ", ".join(e.term for e in self.questionnaire.glossary[:6])
            reply = Reply(self.messages.say("definition_unknown", terms=terms))
        else:
            reply = Reply(entry.definition)
        return [reply, *self.current_question(sender_id)]

    @_one_transaction
    def correct(self, sender_id: str, subject: str | None, text: str | None) -> list[Reply]:
        """Change an earlier answer: the named one, or else the one just before."""
        record = self._open_record(sender_id)
        if record is None:
            return self.welcome(sender_id)
        record = self._ensure_running(record)
        answers = self.store.answers(record.id)
        target = None
        for candidate in (subject, text):
            if candidate:
                found = find_question_by_topic(self.questionnaire.questions, candidate)
                if found is not None and found.id in answers:
                    target = found
                    break
        if target is None:
            target = self._previous_answered(record, answers)
        if target is None:
            return [Reply(self.messages.say("correction_nothing")), *self._ask_next(record)]
        record = self.store.update_state(record.id, revising_question_id=target.id, failed_attempts=0)
        prompt = self.messages.say(
            "correction_prompt",
            position=self._position(target),
            value=self._answer_label(target, answers[target.id]),
        )
        return [Reply(prompt), self._question_reply(target, record=record)]

    def pause(self, sender_id: str) -> list[Reply]:
        """"Je reprendrai plus tard" (or goodbye): keep everything, resume on return."""
        record = self._open_record(sender_id)
        if record is None:
            return [Reply(self.messages.say("goodbye"))]
        record = self.store.update_state(record.id, status="en_pause")
        question = self._asked_question(record)
        return [
            Reply(
                self.messages.say(
                    "paused",
                    position=self._position(question),
                    total=len(self.questionnaire.questions),
                )
            )
        ]

    def current_question(self, sender_id: str) -> list[Reply]:
        """After small talk: ask the current question again, or invite to start."""
        record = self.store.latest_for_sender(sender_id)
        if record is None:
            return [Reply(self.messages.say("not_started"), buttons=self._start_buttons())]
        if record.status == "en_pause":
            return []
        if record.status == "termine":
            return []
        return [self._question_reply(self._asked_question(record), record=record)]

    # --- flow ------------------------------------------------------------------------

    def _introduction(self) -> list[Reply]:
        return [
            Reply(self.messages.say("welcome")),
            Reply(self.messages.say("welcome_start_prompt"), buttons=self._start_buttons()),
        ]

    @_one_transaction
    def _begin(self, sender_id: str, intro: bool = True) -> list[Reply]:
        record = self.store.create(sender_id)
        first = self.questionnaire.questions[0]
        self.store.update_state(record.id, current_question_id=first.id)
        replies = [Reply(self.messages.say("diagnostic_intro"))] if intro else []
        return [*replies, self._question_reply(first)]

    def _resume(self, record: DiagnosticRecord) -> list[Reply]:
        record = self._ensure_running(record)
        question = self._asked_question(record)
        if self._repeat_not_begun(record):
            text = self.messages.say("repeat_intro")
        else:
            text = self.messages.say(
                "welcome_back", position=self._position(question), total=len(self.questionnaire.questions)
            )
        return [Reply(text), self._question_reply(question, record=record)]

    def _open_record(self, sender_id: str) -> DiagnosticRecord | None:
        """The sender's latest diagnostic while it can still be answered (in progress or paused)."""
        record = self.store.latest_for_sender(sender_id)
        return record if record is not None and record.status in OPEN_STATUSES else None

    def _ensure_running(self, record: DiagnosticRecord) -> DiagnosticRecord:
        if record.status == "en_pause":
            return self.store.update_state(record.id, status="en_cours")
        return record

    def _asked_question(self, record: DiagnosticRecord) -> Question:
        """The question the person is answering now (a correction takes precedence)."""
        question_id = record.revising_question_id or record.current_question_id
        if question_id is None:
            question_id = self.questionnaire.questions[0].id
        if question_id == FIRST_ACTION_QUESTION:
            return self._first_action_question(record)
        return self.questionnaire.question(question_id)

    def _confirmation(self, question: Question, interpretation: Interpretation) -> Reply:
        """An answer that could mean several values, or a reading the assistant is unsure of:
        ask which, one button per reading ("Vous voulez dire : Oui ?").

        Nothing is stored: the button (or whatever the person types next) answers the
        same question again, so no state is needed for the confirmation. The payload
        ``{"type": "confirmation", "question_id", "candidates": [{"value", "label"}]}``
        lets any client render it; for a single reading, the question's other choices
        follow as buttons so that a "no, I meant…" is one click away.
        """
        candidates = list(interpretation.candidates)
        labels = [self._display_value(question, value) for value in candidates]
        text = self.messages.say("confirm_which", options=" ou ".join(f"« {label} »" for label in labels))
        buttons = [
            (label, answer_payload(",".join(value) if isinstance(value, list) else str(value)))
            for label, value in zip(labels, candidates, strict=True)
        ]
        if len(candidates) == 1 and question.is_closed:
            buttons += [
                (label, answer_payload(code))
                for code, label in question.options()
                if code not in {str(c) for c in candidates}
            ]
        payload = {
            "type": "confirmation",
            "question_id": question.id,
            "candidates": [
                {"value": value, "label": label} for value, label in zip(candidates, labels, strict=True)
            ],
        }
        return Reply(text, buttons=tuple(buttons), custom=payload)

    def small_talk(self, sender_id: str, kind: str) -> list[Reply]:
        """Thanks, "are you a robot?", an insult, a request for help: a short reply, then
        the question again (the answer to the pending question was looked for first)."""
        return [Reply(self.messages.say(kind)), *self.current_question(sender_id)]

    @_one_transaction
    def _store_and_continue(
        self,
        record: DiagnosticRecord,
        question: Question,
        interpretation: Interpretation,
        raw_text: str | None,
    ) -> list[Reply]:
        record = self._before_storing(record, question, interpretation)
        self.store.save_answer(record.id, question.id, interpretation.value, interpretation.status, raw_text)
        if interpretation.unknown:
            acknowledgement = self.messages.say("dont_know_noted")
        else:
            value = self._display_value(question, interpretation.value)
            key = "answer_corrected" if record.revising_question_id == question.id else "answer_noted"
            acknowledgement = self.messages.say(key, value=value)
        if record.revising_question_id == question.id:
            record = self.store.update_state(record.id, revising_question_id=None, failed_attempts=0)
        return [Reply(acknowledgement), *self._ask_next(record)]

    def _before_storing(
        self, record: DiagnosticRecord, question: Question, interpretation: Interpretation
    ) -> DiagnosticRecord:
        """What else an answer changes, in the same transaction (a group member's service)."""
        return record

    def _ask_next(self, record: DiagnosticRecord) -> list[Reply]:
        answers = self.store.answers(record.id)
        following = self._next_question(record, answers)
        if following is None:
            return self._finish(record, answers)
        self.store.update_state(record.id, current_question_id=following.id, failed_attempts=0)
        return [self._question_reply(following, record=record)]

    def _next_question(self, record: DiagnosticRecord, answers: AnswerMap) -> Question | None:
        """The first question not answered yet; None when the questionnaire is done."""
        return next((q for q in self.questionnaire.questions if q.id not in answers), None)

    def _not_understood(self, record: DiagnosticRecord, question: Question) -> list[Reply]:
        attempts = record.failed_attempts + 1
        self.store.update_state(record.id, failed_attempts=attempts)
        if attempts < FAILED_ATTEMPTS_BEFORE_HELP:
            hint = self._hint(question)
            return [
                Reply(self.messages.say("not_understood", hint=hint)),
                self._question_reply(question, record=record),
            ]
        return [
            Reply(self.messages.say("still_not_understood")),
            self._question_reply(question, with_escape_buttons=True, record=record),
        ]

    def _previous_answered(self, record: DiagnosticRecord, answers: AnswerMap) -> Question | None:
        order = [q.id for q in self.questionnaire.questions]
        current = record.current_question_id
        limit = order.index(current) if current in order else len(order)
        for question_id in reversed(order[:limit]):
            if question_id in answers:
                return self.questionnaire.question(question_id)
        return None

    # --- the authority, from the official division ------------------------------------

    def _opening(self, sender_id: str, text: str) -> list[Reply] | None:
        """A first message that says who the person is ("bonjour, je suis DST à Uzès"):
        the diagnostic begins with the confirmation of that authority. None otherwise."""
        if self.lookup is None or len(text) > MAX_ANSWER_LENGTH:
            return None
        if self.store.latest_for_sender(sender_id) is not None:
            return None
        spotted = self.lookup.spot(text)
        if not spotted:
            return None
        return self._begin_with(sender_id, spotted)

    @_one_transaction
    def _begin_with(self, sender_id: str, authorities: list[Authority]) -> list[Reply]:
        record = self.store.create(sender_id)
        name = self.questionnaire.question(NAME_QUESTION)
        self.store.update_state(record.id, current_question_id=name.id)
        return [
            Reply(self.messages.say("welcome")),
            Reply(self.messages.say("diagnostic_intro")),
            self._proposal(name, authorities),
        ]

    def _typed_choice(
        self, sender_id: str, text: str, intent: str, confidence: float, offered: tuple[str, ...]
    ) -> str | None:
        """The confirmation button a typed message stands for: "oui" (one authority offered),
        "non", or the département of one of the homonyms offered ("Gironde", "33"). None
        when the message is something else, or no authority was offered."""
        codes = [code for code in offered if code.startswith(AUTHORITY_CHOICE)]
        if self.lookup is None or not codes or len(text) > MAX_ANSWER_LENGTH:
            return None
        record = self._open_record(sender_id)
        if record is None:
            return None
        if self._asked_question(record).id != NAME_QUESTION:
            return None
        decline = next((code for code in codes if _declines(code)), None)
        authorities = {
            code: self.lookup.get(code[len(AUTHORITY_CHOICE) :]) for code in codes if not _declines(code)
        }
        decision = read_in_context(self._is_it_you, text, intent, confidence)
        reading = decision.interpretation if decision.kind == "answer" else None
        said = reading.value if reading is not None else None
        if said == "oui" and len(authorities) == 1:
            return next(iter(authorities))
        if said == "non" and decline is not None:
            return decline
        picked = _by_departement(text, authorities)
        known = [authority for authority in authorities.values() if authority is not None]
        if picked is None and len(known) > 1:
            # A homonym beyond the buttons: its name with the département typed ("Manche").
            found = self.lookup.find(f"{known[0].name} ({text})")
            if len(found) == 1 and found[0].name == known[0].name:
                picked = AUTHORITY_CHOICE + found[0].code
        return picked

    def _spotted(self, question: Question, text: str) -> list[Authority]:
        """The authority a longer message names after a cue, at the name question only."""
        if self.lookup is None or question.id != NAME_QUESTION or len(text) > MAX_ANSWER_LENGTH:
            return []
        return self.lookup.spot(text)

    def _named_exactly(self, question: Question, text: str) -> list[Authority]:
        """At the name question, the authorities whose official name is exactly the text
        (any case, accents, hyphens): no typo nor partial name is taken from a message that
        was not read as an answer."""
        if self.lookup is None or question.id != NAME_QUESTION or len(text) > MAX_ANSWER_LENGTH:
            return []
        typed = words(text)
        return [authority for authority in self.lookup.find(text) if words(authority.name) == typed]

    def _name_answer(
        self, record: DiagnosticRecord, question: Question, decision: Decision, text: str
    ) -> list[Reply]:
        """An answer to the name question: the authorities it names are proposed for
        confirmation (nothing is stored until then); a name not in the division is stored
        as typed, as is anything the person says instead of a name."""
        assert self.lookup is not None
        interpretation = decision.interpretation
        if decision.kind == "answer" and interpretation is not None and not interpretation.unknown:
            found = self.lookup.find(text)
            if found:
                return [self._proposal(question, found, typed=text)]
            self._forget_authority(record)
            return self._store_and_continue(record, question, interpretation, text)
        if decision.kind == "answer" and interpretation is not None:
            return self._store_and_continue(record, question, interpretation, text)
        spotted = self._spotted(question, text)
        if spotted:
            return [self._proposal(question, spotted)]
        return self._not_understood(record, question)

    def _proposal(self, question: Question, authorities: list[Authority], typed: str | None = None) -> Reply:
        """"Uzès (Gard), 8 519 habitants : c'est bien vous ?" with Oui / Non, or for homonyms
        one button per département and "Aucune de celles-ci".

        Like :meth:`_confirmation`, nothing is stored and no state is kept: the buttons carry
        the authority's code (and the name as typed, kept if the person says no).
        """
        say = self.messages.say
        decline = AUTHORITY_CHOICE + NOT_THIS_ONE + (f":{typed}" if typed else "")
        shown = authorities[:MAX_HOMONYM_BUTTONS]
        if len(authorities) == 1:
            authority = authorities[0]
            label = _authority_label(authority)
            if authority.population is None:
                text = say("authority_confirm_without_population", authority=label)
            else:
                text = say("authority_confirm", authority=label, population=_number(authority.population))
            buttons = [
                (say("yes_button"), answer_payload(AUTHORITY_CHOICE + authority.code)),
                (say("no_button"), answer_payload(decline)),
            ]
        else:
            text = say("authority_which", name=shown[0].name, example=_authority_label(shown[0]))
            buttons = [(_authority_label(a), answer_payload(AUTHORITY_CHOICE + a.code)) for a in shown]
            buttons.append((say("none_of_these_button"), answer_payload(decline)))
        payload = {
            "type": "confirmation",
            "question_id": question.id,
            "candidates": [
                {"value": AUTHORITY_CHOICE + a.code, "label": _authority_label(a)} for a in shown
            ],
        }
        return Reply(text, buttons=tuple(buttons), custom=payload)

    def _authority_choice(self, record: DiagnosticRecord, question: Question, chosen: str) -> list[Reply]:
        """A click on a confirmation button: yes (or this homonym), or no."""
        if question.id != NAME_QUESTION or self.lookup is None:
            return [Reply(self.messages.say("stale_answer")), self._question_reply(question)]
        if _declines(AUTHORITY_CHOICE + chosen):
            typed = chosen[len(NOT_THIS_ONE) + 1 :].strip()
            if typed:
                # The name as the person typed it, read like any answer (nothing guessed).
                decision = read_in_context(question, typed, "answer", 1.0)
                if decision.kind == "answer" and decision.interpretation is not None:
                    self._forget_authority(record)
                    return self._store_and_continue(record, question, decision.interpretation, typed)
            return [Reply(self.messages.say("authority_declined")), self._question_reply(question)]
        authority = self.lookup.get(chosen)
        if authority is None:
            return self._not_understood(record, question)
        return self._accept_authority(record, authority)

    def _accept_authority(self, record: DiagnosticRecord, authority: Authority) -> list[Reply]:
        """Name, type and population from the division, with its version as their source;
        the type and population questions are then skipped."""
        assert self.lookup is not None
        source = self.lookup.source
        save = self.store.save_answer
        save(record.id, NAME_QUESTION, authority.name, "answered", None, source=source)
        kind = COMMUNE_TYPE if authority.is_commune else EPCI_TYPE
        save(record.id, TYPE_QUESTION, kind, "answered", None, source=source)
        # A population the question would refuse (0 for the few communes without inhabitants)
        # is asked instead.
        population = self.questionnaire.question(POPULATION_QUESTION)
        official = authority.population
        reading = normalise(population, str(official)) if official is not None else None
        known = reading is not None and reading.value == official
        if known:
            save(record.id, POPULATION_QUESTION, authority.population, "answered", None, source=source)
        self.store.record_authority(record.id, authority, self.lookup.version)
        if record.revising_question_id is not None:
            record = self.store.update_state(record.id, revising_question_id=None, failed_attempts=0)
        label = _authority_label(authority)
        if known:
            noted = self.messages.say(
                "authority_noted",
                authority=label,
                kind=authority.kind_label,
                population=_number(authority.population),
            )
        else:
            noted = self.messages.say(
                "authority_noted_without_population", authority=label, kind=authority.kind_label
            )
        return [Reply(noted), *self._ask_next(record)]

    def _forget_authority(self, record: DiagnosticRecord) -> None:
        """A name typed instead of the recognised one: the official facts no longer apply."""
        if record.official is not None:
            self.store.record_authority(record.id, None, None)

    # --- a repeat ("refaire le diagnostic", issue 14) -----------------------------------

    def _previous_answer(self, record: DiagnosticRecord | None, question: Question) -> Answer | None:
        """In a repeat, the earlier diagnostic's answer to the question (None otherwise)."""
        if record is None or record.previous_diagnostic_id is None or question.is_profile:
            return None
        return self.store.answers(record.previous_diagnostic_id).get(question.id)

    @staticmethod
    def _keepable(question: Question, previous: Answer) -> bool:
        """An earlier answer that still reads as the same value for the question as it is now
        (a questionnaire that changed since is never given an answer it would refuse)."""
        if previous.status != "answered" or previous.value is None:
            return False
        value = previous.value
        typed = ",".join(str(code) for code in value) if isinstance(value, list) else str(value)
        reading = normalise(question, typed)
        return reading is not None and not reading.unknown and reading.value == value

    def _keep_previous(self, record: DiagnosticRecord, question: Question) -> list[Reply]:
        """"Toujours vrai": the earlier answer to the pending question, stored again (its
        source says so), then the next question."""
        previous = self._previous_answer(record, question)
        if previous is None or not self._keepable(question, previous):
            refused = Reply(self.messages.say("repeat_nothing_to_keep"))
            return [refused, self._question_reply(question, record=record)]
        self.store.save_answer(record.id, question.id, previous.value, "answered", None, source=REPEAT_SOURCE)
        if record.revising_question_id == question.id:
            record = self.store.update_state(record.id, revising_question_id=None, failed_attempts=0)
        kept = self.messages.say("repeat_kept", value=self._display_value(question, previous.value))
        return [Reply(kept), *self._ask_next(record)]

    def _says_keep(self, sender_id: str, text: str) -> bool:
        """"Toujours vrai" typed instead of clicked, in a repeat under way."""
        if len(text) > MAX_ANSWER_LENGTH or words(text) != words(self.messages.say("keep_button")):
            return False
        record = self._open_record(sender_id)
        if record is None:
            return False
        return record.previous_diagnostic_id is not None

    def _first_action_question(self, record: DiagnosticRecord) -> Question:
        """The repeat's own question: was the first action recommended last time started?"""
        result = self.store.result(record.previous_diagnostic_id) if record.previous_diagnostic_id else None
        top = ((result or {}).get("recommendation") or {}).get("top") or {}
        return Question(
            id=FIRST_ACTION_QUESTION,
            section=PROFILE_SECTION,
            text=self.messages.say("repeat_first_action_question", title=top.get("title") or ""),
            why=self.messages.say("repeat_first_action_why"),
            answer_type="oui_partiel_non",
        )

    def _repeat_not_begun(self, record: DiagnosticRecord) -> bool:
        """A repeat with nothing answered but its carried-over profile: introduced, not resumed."""
        if record.previous_diagnostic_id is None:
            return False
        profile = {question.id for question in self.questionnaire.questions if question.is_profile}
        return set(self.store.answers(record.id)) <= profile

    def _position(self, question: Question) -> int:
        """1-based position in the questionnaire; the repeat's own question comes before it."""
        if question.id == FIRST_ACTION_QUESTION:
            return 1
        return self.questionnaire.position(question.id)

    # --- the end ------------------------------------------------------------------

    def _finish(self, record: DiagnosticRecord, answers: AnswerMap) -> list[Reply]:
        maturity = compute_maturity(self.questionnaire, answers)
        recommendation = recommend(self.catalogue, self.questionnaire, answers)
        store_finished(self.store, record.id, maturity, recommendation)
        return self._result_replies(record, maturity, recommendation)

    def _result_replies(
        self, record: DiagnosticRecord, maturity: Maturity, recommendation: Recommendation
    ) -> list[Reply]:
        say = self.messages.say
        replies = [Reply(say("result_intro"))]
        if maturity.overall_score is None or maturity.level is None:
            replies.append(Reply(say("result_overall_unknown")))
        else:
            replies.append(
                Reply(
                    say(
                        "result_overall",
                        level=maturity.level.name,
                        rank=maturity.level.rank,
                        score=_number(maturity.overall_score),
                        description=maturity.level.description,
                    )
                )
            )
        lines = [say("result_axes_title")]
        for axis in maturity.axes:
            if axis.score is None or axis.level is None:
                lines.append(say("result_axis_line_unknown", label=axis.label))
            else:
                score = _number(axis.score)
                lines.append(say("result_axis_line", label=axis.label, score=score, level=axis.level.name))
        lines.append(say("result_coverage", coverage=_number(round(maturity.overall_coverage * 100))))
        replies.append(Reply("\n".join(lines)))
        top = recommendation.top
        replies.append(Reply(say("result_recommendation", title=top.title, summary=top.summary)))
        replies.append(Reply(say("result_reasons", reasons=" ".join(top.reasons))))
        replies.append(Reply(say("result_first_step", first_step=top.first_step)))
        fact = top.facts[0]
        replies.append(Reply(say("result_fact", text=fact.text, source=fact.source)))
        if recommendation.alternatives:
            titles = " ; ".join(alt.title for alt in recommendation.alternatives)
            replies.append(Reply(say("result_alternatives", alternatives=titles)))
        report_url = self._report_url(record.public_id)
        payload = {
            "type": "result",
            "diagnostic_id": record.public_id,
            "report_url": report_url,
            "maturity": maturity.to_dict(),
            "recommendations": list(recommendation.codes),
        }
        replies.append(Reply(say("result_report", url=report_url), custom=payload))
        return replies

    def _finished_reply(self) -> Reply:
        return Reply(
            self.messages.say("already_finished"),
            buttons=((self.messages.say("restart_button"), RESTART_PAYLOAD),),
        )

    # --- rendering ------------------------------------------------------------------

    def _start_buttons(self) -> tuple[tuple[str, str], ...]:
        return ((self.messages.say("start_button"), START_PAYLOAD),)

    def _question_reply(
        self, question: Question, with_escape_buttons: bool = False, record: DiagnosticRecord | None = None
    ) -> Reply:
        """The question with its buttons; in a repeat (``record`` given), with the previous answer
        recalled and, when it can be stored again as it was, a "Toujours vrai" button first."""
        buttons = [(label, answer_payload(code)) for code, label in question.options()]
        # "Je ne sais pas" is already a value (and a button) of the oui_partiel_non type.
        if with_escape_buttons and question.answer_type != "oui_partiel_non":
            buttons.append((self.messages.say("dont_know_button"), DONT_KNOW_PAYLOAD))
        if question.optional or with_escape_buttons:
            buttons.append((self.messages.say("skip_button"), SKIP_PAYLOAD))
        text, payload = question.text, self.question_payload(question)
        previous = self._previous_answer(record, question)
        if previous is not None:
            shown = self._answer_label(question, previous)
            text += "\n" + self.messages.say(
                "repeat_recall_skipped" if previous.status == "skipped" else "repeat_recall", value=shown
            )
            payload["previous"] = {"value": previous.value, "status": previous.status, "display": shown}
            if self._keepable(question, previous):
                buttons.insert(0, (self.messages.say("keep_button"), answer_payload(KEEP_CHOICE)))
        return Reply(text, buttons=tuple(buttons), custom=payload)

    def question_payload(self, question: Question) -> dict[str, Any]:
        """The machine-readable description of a question that travels with its text."""
        payload: dict[str, Any] = {
            "type": "question",
            "question_id": question.id,
            "axis": question.axis,
            "answer_type": question.answer_type,
            "multiple": question.multiple,
            "position": self._position(question),
            "total": len(self.questionnaire.questions),
            "optional": question.optional,
        }
        if question.is_closed:
            payload["choices"] = [{"value": code, "label": label} for code, label in question.options()]
        if question.minimum is not None:
            payload["minimum"] = question.minimum
        if question.maximum is not None:
            payload["maximum"] = question.maximum
        return payload

    def _hint(self, question: Question) -> str:
        say = self.messages.say
        kind = question.answer_type
        if kind == "oui_partiel_non":
            return say("hint_oui_partiel_non")
        if kind == "choix":
            examples = ", ".join(f"« {label} »" for _, label in question.options()[:4])
            return say("hint_choix_multiple" if question.multiple else "hint_choix", examples=examples)
        if kind == "nombre":
            hint = say("hint_nombre")
            if question.minimum is not None and question.maximum is not None:
                hint += " " + say(
                    "hint_nombre_bounds", minimum=_number(question.minimum), maximum=_number(question.maximum)
                )
            return hint
        if kind == "echelle":
            return say("hint_echelle", minimum=question.minimum, maximum=question.maximum)
        return say("hint_texte", max_length=question.max_length)

    def _display_value(self, question: Question, value: Any) -> str:
        if value is None:
            return self.messages.say("unknown_value")
        return value_label(question, value, thousands=CHAT_THOUSANDS)

    def _answer_label(self, question: Question, answer: Answer) -> str:
        if answer.status == "skipped":
            return self.messages.say("skipped_value")
        if answer.status == "unknown":
            return self.messages.say("unknown_value")
        return self._display_value(question, answer.value)


def store_finished(
    store: DiagnosticStorage,
    diagnostic_id: int,
    maturity: Maturity,
    recommendation: Recommendation,
    completed_at: datetime | None = None,
) -> DiagnosticRecord:
    """Store a diagnostic's result and mark it finished (at ``completed_at``, by default now): the
    end of a conversation, and of a synthetic diagnostic (bot/demo_data.py)."""
    store.save_result(diagnostic_id, maturity.to_dict(), recommendation.to_dict())
    return store.update_state(
        diagnostic_id,
        status="termine",
        current_question_id=None,
        failed_attempts=0,
        completed_at=completed_at or datetime.now(timezone.utc),
    )


def _declines(code: str) -> bool:
    """The choice code of "Non" / "Aucune de celles-ci"."""
    declined = AUTHORITY_CHOICE + NOT_THIS_ONE
    return code == declined or code.startswith(declined + ":")


def _by_departement(text: str, offered: dict[str, Authority | None]) -> str | None:
    """The one offered authority whose département the text names ("la Gironde", "33")."""
    typed = f" {' '.join(words(text))} "
    found: dict[str, int] = {}
    for code, authority in offered.items():
        if authority is None or not authority.departement_code:
            continue
        names = [authority.departement_code.lower(), " ".join(words(authority.departement_name or ""))]
        longest = max((len(name) for name in names if name and f" {name} " in typed), default=0)
        if longest:
            found[code] = longest
    if not found:
        return None
    best = max(found.values())
    chosen = [code for code, length in found.items() if length == best]
    return chosen[0] if len(chosen) == 1 else None


def _authority_label(authority: Authority) -> str:
    """"Uzès (Gard)": the official name and the département."""
    if authority.departement_name:
        return f"{authority.name} ({authority.departement_name})"
    return authority.name


def _number(value: float | int) -> str:
    """12 000 ; 42,5: the conversation separates thousands with a plain space."""
    return number(value, thousands=CHAT_THOUSANDS)

