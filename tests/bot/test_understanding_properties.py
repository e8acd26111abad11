"""Property-based tests: no input, however odd or huge, makes understanding raise."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.answers import Interpretation
from bot.questionnaire import YES_PARTLY_NO_VALUES, default_questionnaire
from bot.understanding import (
    find_glossary_entry,
    find_question_by_topic,
    fold,
    is_dont_know,
    normalise,
    parse_number,
)

QUESTIONNAIRE = default_questionnaire()

HUGE = "douze mille " * 20_000
# Text made of arbitrary bytes, as a mis-decoded upload would look.
binary_text = st.binary(max_size=2_000).map(lambda raw: raw.decode("latin-1"))
# Words that mean something here, shuffled: exercises the matchers' code paths.
MEANINGFUL = [
    "oui",
    "non",
    "en partie",
    "pas",
    "mais",
    "je ne sais pas",
    "entre",
    "et",
    "à",
    "environ",
    "mille",
    "million",
    "12",
    "000",
    "3,5",
    "-",
    "k",
    "M",
    "éclairage",
    "eau",
    "aucune",
    "CA",
    "commune",
    "très",
    "peu",
    "sur",
    "5",
    "/",
    "rien",
    "ça",
    "dépend",
    "de",
    "la",
    "population",
]
word_salad = st.lists(st.sampled_from(MEANINGFUL), max_size=30).map(" ".join)
any_text = st.one_of(st.text(), st.text(min_size=400, max_size=5_000), binary_text, word_salad)

relaxed = settings(deadline=None, max_examples=200)


@relaxed
@given(any_text)
@example(HUGE)
@example("\x00\ufeff\u200b\ud7ff\U0010ffff")
@example("Ǣ")  # decomposes to "Æ": the ligature must be spelled out after decomposition
def test_fold_is_stable_and_tidy(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert folded == folded.strip()
    assert "  " not in folded


@relaxed
@given(any_text)
@example(HUGE)
@example("9" * 10_000)
@example("1" + " 000" * 1_000)
def test_parse_number_never_raises(text: str) -> None:
    number = parse_number(text)
    assert number is None or (isinstance(number, int) and number >= 0)


@relaxed
@given(st.integers(min_value=0, max_value=10**15))
def test_parse_number_reads_written_integers(number: int) -> None:
    grouped = f"{number:,}"
    assert parse_number(str(number)) == number
    assert parse_number(grouped.replace(",", " ")) == number
    assert parse_number(grouped.replace(",", "\u202f")) == number
    assert parse_number(grouped.replace(",", ".")) == number
    assert parse_number(grouped) == number
    assert parse_number(f"environ {grouped.replace(',', ' ')} habitants") == number


@relaxed
@given(any_text)
@example(HUGE)
@example("")
def test_normalise_never_raises_and_respects_each_answer_type(text: str) -> None:
    is_dont_know(text)
    for question in QUESTIONNAIRE.questions:
        interpretation = normalise(question, text)
        if interpretation is None:
            continue
        assert isinstance(interpretation, Interpretation)
        value = interpretation.value
        if interpretation.unknown:
            assert value == ("ne_sait_pas" if question.answer_type == "oui_partiel_non" else None)
        elif question.answer_type == "oui_partiel_non":
            assert value in YES_PARTLY_NO_VALUES
        elif question.answer_type == "choix" and question.multiple:
            assert value and set(value) <= set(question.choice_codes())
            assert value == sorted(set(value), key=question.choice_codes().index)
        elif question.answer_type == "choix":
            assert value in question.choice_codes()
        elif question.answer_type in ("nombre", "echelle"):
            assert isinstance(value, int)
            assert question.minimum is None or value >= question.minimum
            assert question.maximum is None or value <= question.maximum
        else:
            assert value == text.strip()
            assert 0 < len(value) <= question.max_length


@relaxed
@given(any_text)
@example(HUGE)
def test_look_ups_never_raise(text: str) -> None:
    entry = find_glossary_entry(QUESTIONNAIRE.glossary, text)
    assert entry is None or entry in QUESTIONNAIRE.glossary
    question = find_question_by_topic(QUESTIONNAIRE.questions, text)
    assert question is None or question in QUESTIONNAIRE.questions


@relaxed
@given(st.sampled_from(QUESTIONNAIRE.glossary), st.text(alphabet="abc ,.!?", max_size=20))
def test_glossary_terms_are_found_in_any_sentence(entry, filler: str) -> None:
    # The filler's letters cannot form a longer glossary name around the term.
    found = find_glossary_entry(
        QUESTIONNAIRE.glossary, f"{filler} c'est quoi {entry.term.upper()} ? {filler}"
    )
    assert found == entry
