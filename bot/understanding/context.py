"""Reading a message in the context of the pending question: answer first.

While a question is pending, a message is first read as an answer to that question. The
intent classifier's verdict (small talk, a command, a question about the question) wins
only when the message is not a plausible answer, or when it is clearly more likely.

Readers, for each answer type:

- the rules (``answers.interpret``): precise, they fire on the words people usually use;
- for yes / partly / no questions (and "none of them" at the multiple choice that allows
  it), the learned reader (``reader.py``), which also knows what is not an answer;
- the intent classifier, with its confidence.

The outcome (``Decision``) is never a silent guess:

- ``answer``: store ``interpretation`` (the rules read it and the learned reader does not
  disagree and gives it some support, or the words leave no doubt; or the learned reader is
  confident and nothing says otherwise);
- ``confirm``: the readers are unsure or disagree: ask, with a button per candidate;
- ``intent``: not an answer; the classifier's intent is acted upon;
- ``not_understood``: an answer was expected but none could be read.

"Ne sait pas" is stored only when the person says they do not know: the rules' phrases,
or the learned reader and the classifier agreeing on it, or the reader very sure of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.answers import Interpretation
from bot.questionnaire import NO_CHOICE, Question
from bot.understanding.answers import DONT_KNOW, interpret, is_dont_know
from bot.understanding.reader import Reading, answer_reader
from bot.understanding.suspicious import looks_like_code
from bot.understanding.text import Said, said
from bot.understanding.yes_no import (
    refuses_to_answer,
    says_outright,
    says_yes_and_no,
    statement_then_denial,
    without_denied_not_knowing,
    yes_partly_no,
)

ANSWERISH = frozenset({"answer", "nlu_fallback"})
SMALL_TALK = frozenset(
    {"greet", "thank", "bot_challenge", "insult", "out_of_scope", "other_language", "help"}
)
COMMANDS = frozenset(
    {
        "start_diagnostic",
        "start_over",
        "pause",
        "goodbye",
        "skip",
        "correct_previous",
        "ask_why",
        "ask_definition",
    }
)
VALUES = ("oui", "en_partie", "non", DONT_KNOW)
OTHER = "autre"

# Thresholds on the learned reader's probability (chosen on the development sets, see
# benchmarks/nlu.md): store its reading alone at STORE or above; ask from CONFIRM; a
# reading that contradicts the rules at DISAGREE or above makes the engine ask.
STORE = 0.80
STORE_OVER_COMMAND = 0.92
CONFIRM = 0.50
DISAGREE = 0.60
DONT_KNOW_ALONE = 0.90
# The reader this sure, with a second signal (the message's first word, the classifier), wins
# over the rules.
SURE = 0.90
# A command or question the classifier is this sure of wins over a value of another type.
COMMAND_CONFIDENCE = 0.80
# The rules' value is stored only if the learned reader gives it at least this probability
# (unless the words leave no doubt, see ``_rules_alone_suffice``); else the engine asks.
UNSUPPORTED = 0.30

Kind = Literal["answer", "confirm", "intent", "not_understood"]


@dataclass(frozen=True)
class Decision:
    kind: Kind
    interpretation: Interpretation | None = None
    reading: Reading | None = None
    source: str = ""  # "rules", "reader", "rules+reader": for the logs and the staff review

    @property
    def candidates(self) -> tuple[object, ...]:
        return self.interpretation.candidates if self.interpretation is not None else ()


def _answer(value: object, source: str, reading: Reading | None = None) -> Decision:
    unknown = value == DONT_KNOW
    return Decision("answer", Interpretation(value=value, unknown=unknown), reading, source)


def _confirm(candidates: tuple[object, ...], source: str, reading: Reading | None = None) -> Decision:
    unique = tuple(dict.fromkeys(candidates))
    return Decision("confirm", Interpretation(value=None, candidates=unique), reading, source)


def _fallthrough(intent: str) -> Decision:
    return Decision("not_understood" if intent in ANSWERISH else "intent")


def read_in_context(
    question: Question, text: str, intent: str = "answer", confidence: float = 1.0
) -> Decision:
    """What to do with ``text`` typed while ``question`` is pending (see the module doc).

    The message is folded here, once; every reader is handed the folded message."""
    if not isinstance(text, str) or not text.strip():
        return _fallthrough(intent)
    message = said(text)
    if question.answer_type == "texte":
        return _free_text(question, message, intent, confidence)
    if looks_like_code(text):
        return _fallthrough(intent)
    if question.answer_type == "oui_partiel_non":
        return _yes_no(question, message, intent, confidence)
    return _closed(question, message, intent, confidence)


# --- yes / partly / no -------------------------------------------------------------


def _yes_no(question: Question, message: Said, intent: str, confidence: float) -> Decision:
    text = message.text
    if refuses_to_answer(message):
        # "je préfère ne pas répondre": neither "non" nor a reading of the learned reader.
        return _fallthrough(intent)
    rules = interpret(question, message)
    # "je ne suis pas sans savoir…", "ce n'est pas que je ne sais pas…": the person knows; neither
    # the learned reader nor the classifier should hear "I don't know" in those words.
    plain = without_denied_not_knowing(message)
    if plain is not message and intent == "dont_know":
        intent, confidence = "answer", 1.0
    reading = answer_reader().read(plain)
    label, p = reading.label, reading.confidence
    # "le registre est commencé": a start as a state is an answer, not a command to start.
    started = rules is not None and _speaks_of_a_start(message)
    command = intent in COMMANDS and confidence >= 0.5 and not started
    # Small talk that the learned reader also takes for no answer ("j'ai trois enfants", "on dit
    # chocolatine, pas pain au chocolat") is not read as an answer for a word the rules caught in
    # it: the classifier must be sure of it, unless no word of the message answers outright.
    elsewhere = intent in SMALL_TALK and (confidence >= 0.9 or not says_outright(message))
    if rules is not None and rules.unknown:
        first = _said_first(message)
        if first is not None and reading.of(DONT_KNOW) < CONFIRM:
            # "non, et on ne sait pas à qui le confier": the first word answers, said apart; what
            # is not known comes after, and the reader does not hear "I don't know" in it either.
            return _confirm((first, DONT_KNOW), "rules, first word against", reading)
        return _answer(DONT_KNOW, "rules", reading)
    if rules is not None and rules.ambiguous:
        if command and label == OTHER:
            return Decision("intent", reading=reading)
        if label in rules.candidates and label != DONT_KNOW and p >= SURE:
            # "je crois que oui, le DGS en a parlé": a hedge still leans one way, and the
            # reader is sure of that way.
            return _answer(label, "rules+reader", reading)
        return _confirm(rules.candidates, "rules", reading)
    if rules is not None:
        value = rules.value
        then_why = _THEN_WHY.match(message.folded)
        if intent == "ask_why" and then_why and _leading_word(message) == value:
            # "Oui, pourquoi ? c'est rare ?": the first word answers; the "pourquoi" right after it
            # asks why the question is asked, not what it means.
            return _answer(value, "rules+first word", reading)
        if (command or elsewhere) and label == OTHER and p >= CONFIRM:
            return Decision("intent", reading=reading)
        if "?" in text and label != value:
            # "non mais c'est obligatoire ?": a value inside a question the reader doesn't hear.
            return _confirm((value,), "rules", reading)
        if text.rstrip().endswith("?") and _said_first(message) != value:
            # "oui c'est bien vous qui avez fait ce site ?", "on a un DPO mutualisé, ça compte ?":
            # the message asks something; a value word inside the question, not said first and
            # apart, is no answer to store, whatever the reader hears.
            return _confirm((value,), "rules, in a question", reading)
        if label in VALUES and label != value and p >= DISAGREE:
            if p >= SURE and _leading_word(message) == label:
                # "Non, rien n'est prévu": the first word says it, the reader agrees, the
                # rules were caught by a word further on ("prévu").
                return _answer(label, "reader+first word", reading)
            heard = intent == "dont_know" and confidence >= COMMAND_CONFIDENCE
            if label == DONT_KNOW and p >= SURE and heard:
                # "je ne suis pas en mesure de répondre": the rules see a negation, the reader
                # and the classifier both hear "I don't know".
                return _answer(DONT_KNOW, "reader+classifier", reading)
            if value == "en_partie" and says_yes_and_no(message):
                # "informés oui, associés non": a "oui" and a "non" said outright, in two clauses.
                return _answer(value, "rules+outright words", reading)
            if _said_first(message) == value:
                # "Non, c'est la directrice qui garde la main", "non, enfin oui, depuis mars": the
                # person's own first word (or their correction) says what the rules read; the
                # reader leans on the words of the reason that follows.
                return _answer(value, "rules+first word", reading)
            return _confirm((value, label), "rules+reader", reading)
        if reading.of(value) < UNSUPPORTED and not _rules_alone_suffice(message, value, started):
            # "oui bonjour, je reviens pour le questionnaire", "on a la fibre jusqu'à la salle des
            # fêtes" at a question about something else: the rules caught a word, the learned reader
            # hardly hears that value in the message.
            return _confirm((value, *_values(reading)), "rules, reader against", reading)
        if value == "non" and statement_then_denial(message) and _said_first(message) is None:
            # "le conseil en discute mais personne ne décide": the "non" is only the second clause's.
            return _confirm(("en_partie", "non"), "rules, a statement then a denial", reading)
        return _answer(value, "rules", reading)
    # The rules found nothing: the learned reader alone.
    if label == DONT_KNOW:
        if p >= DONT_KNOW_ALONE or (intent == "dont_know" and p >= CONFIRM):
            return _answer(DONT_KNOW, "reader", reading)
        if p >= CONFIRM:
            return _confirm(_values(reading), "reader", reading)
    elif label in VALUES:
        threshold = STORE_OVER_COMMAND if command or intent == "dont_know" else STORE
        if p >= threshold and ("?" not in text or p >= SURE):
            return _answer(label, "reader", reading)
        if p >= threshold:
            # "les subventions DETR c'est jusqu'à quand ?": a question may only sound like a value.
            return _confirm((label,), "reader", reading)
        if p >= CONFIRM:
            return _confirm(_values(reading), "reader", reading)
    if intent == "dont_know":
        # The classifier alone says "I don't know": store it only if the words say so.
        if is_dont_know(message):
            return Decision("intent", reading=reading)
        if reading.of(DONT_KNOW) >= 0.2:
            return _confirm((DONT_KNOW,), "classifier", reading)
        return Decision("not_understood", reading=reading)
    return Decision("not_understood" if intent in ANSWERISH else "intent", reading=reading)


_LEADING = re.compile(r"^(?:(?:bah|ben|eh bien|alors|franchement|euh) )*(oui|ouais|si|non|nan)(?![a-z0-9])")
_LEADING_VALUE = {"oui": "oui", "ouais": "oui", "si": "oui", "non": "non", "nan": "non"}


def _leading_word(message: Said) -> str | None:
    """ "oui" or "non" when the message opens on that word and a pause ("Non, rien n'est prévu")."""
    folded = message.folded
    match = _LEADING.match(folded)
    if match is None or not re.match(r"\s*[,.;:!-]", folded[match.end() :]):
        return None
    return _LEADING_VALUE[match.group(1)]


_CORRECTED = re.compile(
    r"(?<![a-z0-9])(?:enfin|ah|ah ben|en fait|pardon|je veux dire|plutot)[\s,.!…-]+(oui|si|non)(?![a-z0-9])"
)


# "oui, pourquoi ?": a first word, a pause, then "why (do you ask)".
_THEN_WHY = re.compile(
    r"^(?:(?:bah|ben|eh bien|alors|euh) )*(?:oui|ouais|si|non|nan)\s*[,.;:!-]+\s*pourquoi(?![a-z0-9])"
)


def _said_first(message: Said) -> str | None:
    """What the person says outright: the word of their last self-correction ("non, enfin
    oui…" → "oui"), else the word the message opens on before a pause ("Non, …")."""
    corrections = list(_CORRECTED.finditer(message.folded))
    if corrections:
        return _LEADING_VALUE[corrections[-1].group(1)]
    return _leading_word(message)


# A start spoken of as a state or as what to start with ("le registre est commencé", "c'est
# lancé", "on sait par quoi commencer"): words of an answer, not a command to start or resume,
# unless the message names the diagnostic itself ("j'ai déjà commencé le questionnaire").
_START_AS_STATE = re.compile(
    r"(?<![a-z0-9])(?:(?:est|sont|a ete|ont ete|etait|c est|deja|bien) (?:deja |bien |juste )?"
    r"(?:commence|lance|demarre|entame|amorce|engage|debute)e?s?"
    r"|(?:par quoi|par ou) (?:on va )?(?:commencer|demarrer|debuter))(?![a-z0-9])"
)


_THE_DIAGNOSTIC = re.compile(
    r"(?<![a-z0-9])(?:diagnostic|diag|autodiagnostic|questionnaire|test|quiz)s?(?![a-z0-9])"
)


def _speaks_of_a_start(message: Said) -> bool:
    form = message.form
    return bool(_START_AS_STATE.search(form)) and not _THE_DIAGNOSTIC.search(form)


def _rules_alone_suffice(message: Said, value: str, started: bool) -> bool:
    """Whether the rules' value needs no support from the learned reader: a single word ("naan"),
    a short message that opens on it ("non hélas"), the person's own first word or correction
    ("oui, enfin non, plus depuis…"), a "oui" and a "non" in two clauses for partly, a start
    spoken of as a state."""
    words = len(message.form.split())
    if words <= 1 or started or _said_first(message) == value:
        return True
    opening = _LEADING.match(message.folded)
    if words <= 3 and opening is not None and _LEADING_VALUE[opening.group(1)] == value:
        return True
    return value == "en_partie" and says_yes_and_no(message)


def _values(reading: Reading) -> tuple[str, ...]:
    """The two likeliest values (what is not an answer left out)."""
    return tuple(label for label, _ in reading.probabilities if label in VALUES)[:2]


# --- choices, numbers, scales ------------------------------------------------------


def _closed(question: Question, message: Said, intent: str, confidence: float) -> Decision:
    question_mark = "?" in message.text
    command = intent in COMMANDS and (confidence >= COMMAND_CONFIDENCE or question_mark)
    if question_mark and intent not in ANSWERISH:
        return Decision("intent")
    rules = interpret(question, message)
    if rules is None and question.multiple and question.none_allowed:
        rules = _none_of_them(message)
    if rules is None:
        return _fallthrough(intent)
    if rules.unknown:
        # "Je ne sais pas" is no value of a choice, a number or a scale: the dont_know action.
        return Decision("intent") if intent == "dont_know" else Decision("answer", rules, source="rules")
    if command:
        return Decision("intent")
    if rules.ambiguous:
        return Decision("confirm", rules, source="rules")
    if question_mark and not question.multiple:
        # "c'est quoi la différence entre interco et agglo ?": a value inside a question.
        return _confirm((rules.value,), "rules")
    return Decision("answer", rules, source="rules")


_NONE_WORDS = re.compile(r"(?<![a-z0-9])(?:neant|rien|aucune?s?|nada|nulle?|zero|pas une?|ni)(?![a-z0-9])")


def _none_of_them(message: Said) -> Interpretation | None:
    """ "Néant", "rien de tout ça", "aucune de ces thématiques", "non": none of the choices."""
    form = message.form
    if not form or "?" in message.text:
        return None
    rules = yes_partly_no(message)
    if rules == "non" or (rules is None and _NONE_WORDS.search(form)):
        return Interpretation(value=[NO_CHOICE])
    if rules is None:
        reading = answer_reader().read(message)
        if reading.label == "non" and reading.confidence >= STORE:
            return Interpretation(value=[NO_CHOICE])
    return None


# --- free text -------------------------------------------------------------------------

# Requests about the question itself, whatever the question: never a name nor a tool.
_REQUEST = re.compile(
    r"(?<![a-z0-9])(?:repeter|repetez|reformuler|reformulez|redire|redites|pardon|hein|comprends pas"
    r"|compris|pas saisi|c est a dire|aide|help|quoi|comment)(?![a-z0-9])"
)
_ONLY_YES_NO = re.compile(
    r"^(?:oui|non|ouais|nan|si|ok|d accord|merci|bonjour|salut|test|rien|aucun|aucune)$"
)


def plausible_text(question: Question, text: str | Said) -> bool:
    """Whether a free text can be the answer (a name looks like a name, a tool like a tool).

    Not a question ("vous pouvez répéter ?"), not a request about the question, not pasted
    code or SQL, not a bare yes / no or greeting; for a name, a short phrase.
    """
    message = said(text)
    stripped = message.text.strip()
    if not stripped or "?" in stripped or looks_like_code(stripped):
        return False
    form = message.form
    if not form or _ONLY_YES_NO.match(form):
        return False
    if len(form.split()) <= 6 and _REQUEST.search(form):
        return False
    if question.id == "nom_collectivite":
        # A name is no clause: a person speaking ("je suis", "I don't speak French") is not one.
        speaking = re.search(r"\b(?:j|je|tu|vous|nous|moi|ai|suis|i|we|you|me|my|our)\b", message.folded)
        return len(form.split()) <= 12 and not speaking
    return True


# What the classifier says of a place's or a tool's name it has never seen ("Montcuq" is a
# greeting, "Les Abymes" a call for help): at a free-text question, these verdicts win over a
# plausible answer only when the classifier is sure of them. Commands are not among them:
# a command in words ("on fait une pause") looks like a name to the plausibility check.
_UNSURE_ABOUT_NAMES = frozenset({"other_language", "out_of_scope", "greet", "help"})


def _free_text(question: Question, message: Said, intent: str, confidence: float = 1.0) -> Decision:
    # Any text answers a free-text question, so the classifier decides what is not an
    # answer; but the names asked there often look foreign to it
    # ("Ville de rasa-webchat", "FixMyStreet", Breton or Basque names).
    if intent == "dont_know" and is_dont_know(message):
        return Decision("intent")
    if intent not in ANSWERISH and intent != "other_language":
        unsure = intent in _UNSURE_ABOUT_NAMES and confidence < COMMAND_CONFIDENCE
        if not (unsure and plausible_text(question, message)):
            return Decision("intent")
    if is_dont_know(message):
        if intent in ANSWERISH:
            return Decision("answer", Interpretation(value=None, unknown=True), source="rules")
        return _fallthrough(intent)
    rules = interpret(question, message)
    if rules is None or not plausible_text(question, message):
        return _fallthrough(intent)
    return Decision("answer", rules, source="rules")
