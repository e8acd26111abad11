"""The matcher on the fixture division: names as people type them, homonyms, cues."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.authorities.division import majority_departement
from bot.authorities.index import AuthorityIndex
from bot.authorities.match import find, homonyms, spot
from bot.authorities.normalise import normalise


def first(index: AuthorityIndex, text: str) -> tuple[str, str, str | None]:
    candidates = find(index, text)
    assert candidates, f"nothing found for {text!r}"
    best = candidates[0].authority
    return best.name, best.kind, best.departement_code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Uzès", ("Uzès", "commune", "30")),
        ("UZES", ("Uzès", "commune", "30")),
        ("uzes", ("Uzès", "commune", "30")),
        ("mairie d'Uzès", ("Uzès", "commune", "30")),
        ("Mairie de Uzes", ("Uzès", "commune", "30")),
        ("la ville d'uzès", ("Uzès", "commune", "30")),
        ("saint etienne", ("Saint-Étienne", "commune", "42")),
        ("St-Etienne", ("Saint-Étienne", "commune", "42")),
        ("commune de st etienne", ("Saint-Étienne", "commune", "42")),
        ("Le Havre", ("Le Havre", "commune", "76")),
        ("le havre", ("Le Havre", "commune", "76")),
        ("Havre", ("Le Havre", "commune", "76")),
        ("ville du Havre", ("Le Havre", "commune", "76")),
        ("Les Abymes", ("Les Abymes", "commune", "971")),
        ("commune des Abymes", ("Les Abymes", "commune", "971")),
        ("abymes", ("Les Abymes", "commune", "971")),
        ("l'abergement clemenciat", ("L'Abergement-Clémenciat", "commune", "01")),
        ("Aux-Aussat", ("Aux-Aussat", "commune", "32")),
        ("ajaccio", ("Ajaccio", "commune", "2A")),
        # EPCI, with their types before or after the name.
        ("CC du Pays d'Uzès", ("CC Pays d'Uzès", "CC", "30")),
        ("communauté de communes du pays d'uzes", ("CC Pays d'Uzès", "CC", "30")),
        ("cc pays uzes", ("CC Pays d'Uzès", "CC", "30")),
        ("Pays d'Uzès", ("CC Pays d'Uzès", "CC", "30")),
        ("agglo de Chaumont", ("CA de Chaumont", "CA", "52")),
        ("communauté d'agglomération de Chaumont", ("CA de Chaumont", "CA", "52")),
        ("CA Colmar Agglomération", ("CA Colmar Agglomération", "CA", "68")),
        ("colmar agglo", ("CA Colmar Agglomération", "CA", "68")),
        ("CU Le Havre Seine Métropole", ("CU Le Havre Seine Métropole", "CU", "76")),
        ("CU du Havre Seine", ("CU Le Havre Seine Métropole", "CU", "76")),
        ("métropole", None),
        ("la métropole de Lyon", ("Métropole de Lyon", "MET69", "69")),
        ("métropole de Saint-Étienne", ("Saint-Étienne Métropole", "METRO", "42")),
        ("Bordeaux Métropole", ("Bordeaux Métropole", "METRO", "33")),
        ("métropole de Lille", ("Métropole Européenne de Lille", "METRO", "59")),
        # One typo in a name of five letters or more.
        ("Villeurbane", ("Villeurbanne", "commune", "69")),
        ("Saint-Etiene", ("Saint-Étienne", "commune", "42")),
        ("Oragne", ("Orange", "commune", "84")),
        ("mairie de Vileurbanne", ("Villeurbanne", "commune", "69")),
        ("cc pays d'uzez", ("CC Pays d'Uzès", "CC", "30")),
        # Codes.
        ("30334", ("Uzès", "commune", "30")),
        ("30700", ("Uzès", "commune", "30")),
        ("244200770", ("Saint-Étienne Métropole", "METRO", "42")),
    ],
)
def test_find(index: AuthorityIndex, typed: str, expected) -> None:
    if expected is None:
        assert find(index, typed) == []
    else:
        assert first(index, typed) == expected


@pytest.mark.parametrize("name", ["Orange", "Sens", "Y", "Eu", "Rue", "Plan"])
def test_everyday_words_are_found_alone_and_after_a_cue(index: AuthorityIndex, name: str) -> None:
    for typed in (name, name.lower(), f"mairie de {name}", f"commune de {name}", f"ville de {name}"):
        assert first(index, typed)[0] == name, typed
    assert [spotted.text for spotted in spot(index, f"je suis secrétaire de mairie à {name}")] == [name]
    assert [spotted.text for spotted in spot(index, f"je travaille à la mairie de {name}")] == [name]


def test_short_names_get_no_typo(index: AuthorityIndex) -> None:
    assert find(index, "Sen") == []  # not Sens: a typo counts in names of five letters or more
    assert find(index, "Senss") == []
    assert find(index, "Uzzès") == []  # Uzès has four letters
    assert find(index, "Ora") == []
    assert first(index, "aris")[0] == "Paris"
    assert first(index, "Sens")[0] == "Sens"


def test_homonyms_are_all_returned_with_the_same_score(index: AuthorityIndex) -> None:
    candidates = homonyms(find(index, "Sainte-Colombe"))
    assert len(candidates) == 12
    assert {candidate.authority.name for candidate in candidates} == {"Sainte-Colombe"}
    assert len({candidate.authority.departement_code for candidate in candidates}) == 12
    populations = [candidate.authority.population or 0 for candidate in candidates]
    assert populations == sorted(populations, reverse=True)
    assert len(homonyms(find(index, "mars"))) == 2
    assert [candidate.authority.name for candidate in find(index, "mars")][2:] == ["Les Mars"]


@pytest.mark.parametrize(
    "typed",
    ["Sainte-Colombe (Gironde)", "sainte colombe 33", "Ste Colombe en Gironde", "Sainte-Colombe 33350"],
)
def test_a_departement_or_postal_code_picks_the_homonym(index: AuthorityIndex, typed: str) -> None:
    candidates = homonyms(find(index, typed))
    found = [(c.authority.name, c.authority.departement_code) for c in candidates]
    assert found == [("Sainte-Colombe", "33")]


def test_a_commune_comes_before_the_epci_named_after_it(index: AuthorityIndex) -> None:
    candidates = find(index, "Lyon")
    assert [c.authority.name for c in candidates] == ["Lyon", "Métropole de Lyon"]
    assert candidates[0].score > candidates[1].score
    assert [c.authority.name for c in find(index, "métropole de Lyon")][:2] == ["Métropole de Lyon", "Lyon"]


@pytest.mark.parametrize(
    "typed",
    [
        "Syndicat intercommunal des eaux",
        "Département de la Creuse",
        "conseil départemental du Gard",
        "Région Occitanie",
        "chocolatine",
        "",
        "   ",
        "oui",
        "12 000 habitants",
    ],
)
def test_not_in_the_division(index: AuthorityIndex, typed: str) -> None:
    assert find(index, typed) == []


def test_an_epcis_departement_is_that_of_most_of_its_members(index: AuthorityIndex) -> None:
    by_name = {authority.name: authority for authority in index.authorities}
    assert by_name["CC Pays d'Uzès"].departement_code == "30"
    assert by_name["CC Pays d'Uzès"].departement_name == "Gard"
    assert by_name["Métropole de Lyon"].departement_code == "69"
    # CC Flandre Lys: four communes in the Nord, four in the Pas-de-Calais; the Nord's are
    # the more populated.
    assert by_name["CC Flandre Lys"].departement_code == "59"
    assert majority_departement([("62", 10), ("59", 1), ("59", 1)]) == "59"
    assert majority_departement([("62", 10), ("59", 1)]) == "62"
    assert majority_departement([("62", 1), ("59", 1)]) == "59"
    assert majority_departement([]) is None


def test_a_commune_knows_its_epci(index: AuthorityIndex) -> None:
    uzes = index.get("30334")
    assert (uzes.epci_name, uzes.epci_kind, uzes.population) == ("CC Pays d'Uzès", "CC", 8519)
    assert "Uzès" in [member.name for member in index.members(uzes.epci_siren)]
    assert index.get("29155").epci_siren is None  # Ouessant belongs to no EPCI


def test_candidates_as_json(index: AuthorityIndex) -> None:
    described = find(index, "Uzès")[0].as_dict()
    assert described == {
        "name": "Uzès",
        "kind": "commune",
        "kind_label": "commune",
        "code": "30334",
        "insee": "30334",
        "siren": "213003346",
        "departement": {"code": "30", "name": "Gard"},
        "region": {"code": "76", "name": "Occitanie"},
        "population": 8519,
        "postal_codes": ["30700"],
        "epci": {"siren": "200034379", "name": "CC Pays d'Uzès", "kind": "CC"},
        "score": 1.0,
    }
    epci = find(index, "CC Pays d'Uzès")[0].as_dict()
    assert (epci["kind"], epci["kind_label"], epci["code"], epci["departement"]["name"]) == (
        "CC",
        "communauté de communes",
        "200034379",
        "Gard",
    )
    assert "insee" not in epci and epci["members"] > 20


# --- inside a message -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("bonjour, je suis DST à Uzès", [("Uzès", "Uzès")]),
        ("Bonjour ! DGS de la mairie d'Orange, on veut se lancer", [("Orange", "Orange")]),
        ("je suis au Havre depuis 2019", [("Havre", "Le Havre")]),
        ("je bosse à saint-etienne", [("saint-etienne", "Saint-Étienne")]),
        ("chargé de mission à la CC du Pays d'Uzès", [("Pays d'Uzès", "CC Pays d'Uzès")]),
        ("élu de la commune de Montagne", [("Montagne", "Montagne")]),
        ("Je suis la DGS de Sens.", [("Sens", "Sens")]),
        ("les habitants d'Orange attendent", [("Orange", "Orange")]),
        ("BONJOUR JE SUIS DST A SAINT-ETIENNE", [("SAINT-ETIENNE", "Saint-Étienne")]),
        ("élue à Mars", [("Mars", "Mars")]),
        ("Mairie de Sens, bonjour", [("Sens", "Sens")]),
        ("élu à Sens et conseiller communautaire à Saint-Étienne Métropole",
         [("Sens", "Sens"), ("Saint-Étienne Métropole", "Saint-Étienne Métropole")]),
    ],
)
def test_spot_after_a_cue(index: AuthorityIndex, message: str, expected) -> None:
    found = [(spotted.text, spotted.candidates[0].authority.name) for spotted in spot(index, message)]
    assert found == expected


@pytest.mark.parametrize(
    "message",
    [
        "nous sommes une commune de montagne",
        "Orange",  # no cue: the name alone is find()'s job, in the name question
        "je suis dst a uzes",  # neither a capital nor hyphens
        "il y a des LED de partout",
        "oui, le portail citoyen sur le site de la ville",
        "on reçoit le bulletin de Mars",  # "de" says where only after a role or an institution
        "depuis le mois de Mars",
        "à partir de Mars",
        "rendez-vous à Mars",
        "À Sens, on a changé toutes les lampes",  # a bare "à" opening says where, not who
        "Au Havre comme ailleurs, c'est en cours",
        "je suis pas sûr, mais à Sens ils ont un SIG",  # another clause after "je suis"
        "je suis allée à Sens voir leur hyperviseur",  # a trip, not where the person works
        "Je suis DGS. À Sens, ils ont commencé",  # another sentence
        "on s'est inspiré de ce qui a été fait à Sens",
        "oui, comme la ville de Sens",
        "la fibre passe par le réseau d'Orange",
        "on a eu des fonds du Plan de relance",
        "JE SUIS A ORANGE",  # all in capitals: capitals say nothing
        "NOUS SOMMES UNE COMMUNE DE MONTAGNE",
        "ça va, merci",
        "une CC rurale",
        "Communauté de communes du Val d'Ille",
        "de l'eau et de l'éclairage",
        "",
    ],
)
def test_no_name_without_a_cue_and_a_capital(index: AuthorityIndex, message: str) -> None:
    assert spot(index, message) == []


def test_find_reads_a_sentence_answering_the_name_question(index: AuthorityIndex) -> None:
    assert first(index, "je suis dst a uzes")[0] == "Uzès"
    assert first(index, "c'est la mairie d'orange")[0] == "Orange"


# --- properties -------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_name_always_finds_itself(index: AuthorityIndex, data: st.DataObject) -> None:
    authority = data.draw(st.sampled_from(index.authorities))
    style = data.draw(st.sampled_from(["official", "lower", "upper", "plain", "spaces"]))
    typed = {
        "official": authority.name,
        "lower": authority.name.lower(),
        "upper": authority.name.upper(),
        "plain": normalise(authority.name),
        "spaces": authority.name.replace("-", " "),
    }[style]
    assert authority in [candidate.authority for candidate in homonyms(find(index, typed))]
    if authority.is_commune:
        assert authority in [c.authority for c in homonyms(find(index, f"mairie de {typed}"))]
        spotted = spot(index, f"bonjour, je suis à {authority.name}")
        assert spotted and authority in [c.authority for c in spotted[0].candidates]


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_one_typo_in_a_long_name_still_finds_it(index: AuthorityIndex, data: st.DataObject) -> None:
    long_names = [a for a in index.authorities if a.is_commune and len(normalise(a.name)) >= 5]
    authority = data.draw(st.sampled_from(long_names))
    key = normalise(authority.name)
    position = data.draw(st.integers(0, len(key) - 1))
    letter = data.draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
    edit = data.draw(st.sampled_from(["delete", "insert", "replace", "swap"]))
    if edit == "delete":
        typed = key[:position] + key[position + 1 :]
    elif edit == "insert":
        typed = key[:position] + letter + key[position:]
    elif edit == "replace":
        typed = key[:position] + letter + key[position + 1 :]
    else:
        typed = key[:position] + key[position + 1 : position + 2] + key[position] + key[position + 2 :]
    found = [candidate.authority for candidate in find(index, typed)]
    assert authority in found, typed
