"""Recognising a bare answer: a message made only of answer words, a number or choice names.

"nope", "que dalle", "de temps en temps", "130k", "trois mille", "autre", "les
lampadaires" say nothing but an answer, whatever question is asked; the intent
classifier may not know a rare word among them. ``is_bare_answer`` lets the NLU
pipeline (components/answer_vocabulary.py) recognise them with the very vocabulary
the answers are read with. Questions ("open data ?"), "I don't know" and commands
("passer", "je veux pas") are never bare answers.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.questionnaire import Questionnaire
from bot.understanding.answers import is_dont_know
from bot.understanding.choices import choice_matcher
from bot.understanding.numbers import digits_text, parse_number
from bot.understanding.text import said
from bot.understanding.yes_no import yes_partly_no


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Every word of a bare yes / partly / no answer must be one of these.
_YES_NO_WORDS = _words(
    """
    oui ouais ouaip ouep ouip ouii ouiii si non nan nann nope niet nenni pantoute nada que dalle negatif
    affirmatif jamais aucun aucune rien pas du tout encore vraiment trop partiellement moyennement en partie
    parfois bof mouais absolument exactement evidemment certainement carrement bien sur entendu effectivement
    totalement completement de temps a fait c est le cas toujours personne tous toutes peu un une quelques
    quelqu certains certaines plus ou moins la plupart moitie seulement uniquement sauf occasionnellement
    rarement souvent jamais point neant nul nulle part bah ben euh bon alors hmm mouais voila tres
    yes yeah yep yup yea no nope nah nop
    """
)
# Words allowed around choice names and numbers: articles, links, hesitations, units.
_FILLER = _words(
    """
    le la les l un une des du de d et ou en au aux a avec sur pour par plus moins environ pres de
    bah ben euh bon alors hmm voila c est chez nous on a ya y il je j suis sommes moi ici
    habitants habitant hab ames agents agent etp personnes m2 m carres metres carre mq k millions million
    milliers mille centaine centaines dizaine dizaines vingtaine trentaine quarantaine cinquantaine
    soixantaine douzaine quinzaine k m g
    """
)
_NUMBER_WORD = re.compile(r"^[0-9]+[a-z]?$")
_QUESTION = re.compile(r"\?|^(?:c est quoi|qu est ce|pourquoi|comment|quel|quelle|quels|quelles)\b")
MAX_BARE_WORDS = 6


@lru_cache(maxsize=8)
def _choice_matchers(questionnaire: Questionnaire) -> tuple:
    return tuple(choice_matcher(q) for q in questionnaire.questions if q.answer_type == "choix")


def _only_choice_names(questionnaire: Questionnaire, form: str) -> bool:
    """Whether every word is a filler or part of a choice name (of any closed question)."""
    hits = [hit for matcher in _choice_matchers(questionnaire) for hit in matcher.hits(form)]
    if not hits:
        return False
    return all(
        form[m.start() : m.end()] in _FILLER or any(h.start <= m.start() and m.end() <= h.end for h in hits)
        for m in re.finditer(r"[a-z0-9]+", form)
    )


def is_bare_answer(text: str, questionnaire: Questionnaire) -> bool:
    """Whether a message is nothing but an answer (yes/no words, a number, choice names)."""
    if not isinstance(text, str) or text.startswith("/"):
        return False
    message = said(text)
    form = message.form
    words = form.split()
    if not words or len(words) > MAX_BARE_WORDS or _QUESTION.search(form) or "?" in text:
        return False
    if is_dont_know(message):
        return False
    if all(w in _YES_NO_WORDS for w in words) and yes_partly_no(message) is not None:
        return True
    number_words = re.findall(r"[a-z0-9]+", digits_text(text))
    if all(_NUMBER_WORD.match(w) or w in _FILLER for w in number_words) and parse_number(message) is not None:
        return True
    return _only_choice_names(questionnaire, form)
