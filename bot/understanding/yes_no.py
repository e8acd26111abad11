"""Reading "oui / en partie / non" out of a free answer.

Requests for help ("je ne comprends pas", "c'est quoi ?") give None. Then rules
are tried in order on the matching form (``text.match_form``) and the first
that fires decides:

1. the answer is exactly a code or a button label ("oui", "En partie", "non");
2. a firm refusal ("pas du tout", "absolument pas", "pas encore commencé") → non,
   so that its words cannot be read as a partial answer below;
3. a partial marker ("en cours", "oui mais", "certains services", "pas tout à
   fait") → en_partie: it wins over yes and no words;
4. a negation ("non", "jamais", "aucun", "ne … pas", "nous n'avons pas") → non;
5. an affirmation ("oui", "bien sûr", "c'est le cas") or an affirmative statement
   ("nous avons…", "il y a…", "existe", "mis en place") → oui.

English ("yes", "no") is deliberately not understood.
"""

from __future__ import annotations

from bot.understanding.matching import word_pattern
from bot.understanding.text import match_form

# Requests for help are not answers, even with a "pas" in them.
_NOT_AN_ANSWER = word_pattern(
    r"(?:comprends|comprend|compris|saisis) pas",
    r"pas (?:bien )?compris",
    r"(?:cela|ca) veut dire",
    r"veut dire quoi",
    r"que (?:veut|voulez vous) dire",
    r"c est quoi",
    r"qu est ce (?:que|qu)",
    r"signifie",
    r"repeter",
    r"reformuler",
    r"expliquer",
)

_EXACT = {"oui": "oui", "si": "oui", "en partie": "en_partie", "non": "non"}

# Set phrases whose "pas" is not a negation.
_IDIOMS = word_pattern(
    r"pas de (?:souci|soucis|probleme|problemes)",
    r"sans (?:souci|probleme)",
    r"n est ce pas",
    r"pourquoi pas",
)

_FIRM_NO = word_pattern(
    r"pas du tout",
    r"absolument pas",
    r"rien du tout",
    r"aucunement",
    r"nullement",
    r"pas question",
    r"(?:pas|rien|aucun|aucune|jamais) (?:encore )?(?:de |d |en )?"
    r"(?:commence|debute|demarre|prevu|projet|reflexion|cours)e?s?",
    r"rien de (?:prevu|formalise|fait|lance)",
)

_PARTLY = word_pattern(
    r"en partie",
    r"partiel(?:le)?s?",
    r"partiellement",
    r"en cours",
    r"en projet",
    r"prevue?s?",
    r"a l etude",
    r"en (?:reflexion|preparation|construction|chantier|test|experimentation)",
    r"on y (?:travaille|reflechit|pense)",
    r"en train de",
    r"(?:commence|debute|demarre|amorce|entame)e?s?",
    r"on commence",
    r"au debut",
    r"debut",
    r"un (?:tout )?(?:petit )?peu",
    r"pas (?:encore )?(?:completement|totalement|entierement|tout|tous|toutes|partout|toujours"
    r"|systematiquement|vraiment (?:formalise|abouti|finalise))",
    r"pas (?:encore )?(?:finalise|formalise|termine|fini|abouti|acheve|complet|generalise|deploye|ecrit"
    r"|valide|officiel|structure)e?s?",
    r"informel(?:le)?s?",
    r"informellement",
    r"quelques? uns?",
    r"quelques? unes?",
    r"quelques?",
    r"certaine?s?",
    r"une partie",
    r"la plupart",
    r"plus ou moins",
    r"(?:cela|ca) depend",
    r"depend",
    r"moyennement",
    r"a moitie",
    r"parfois",
    r"de temps (?:en|a) temps",
    r"occasionnellement",
    r"ponctuellement",
    r"progressivement",
    r"petit a petit",
    r"oui mais",
    r"oui et non",
    r"si et non",
    r"seulement",
    r"uniquement",
    r"sauf",
    r"pas mal",
    r"bof",
    r"mouais",
    r"bientot",
    r"ne \w+ que",
    r"n \w+ (?:\w+ )?qu(?:e)?",
)

_NO = word_pattern(
    r"non+",
    r"nan+",
    r"nope",
    r"niet",
    r"pas",
    r"jamais",
    r"aucune?",
    r"rien",
    r"personne ne",
    r"personne n",
    r"ni",
    r"n (?:\w+ ){0,3}plus",
    r"ne (?:\w+ ){0,3}plus",
)

_YES = word_pattern(
    r"oui+",
    r"ouais+",
    r"ouaip",
    r"ouep",
    r"ouip",
    r"tout a fait",
    r"absolument",
    r"bien sur",
    r"bien entendu",
    r"evidemment",
    r"evidement",
    r"exactement",
    r"effectivement",
    r"en effet",
    r"certainement",
    r"carrement",
    r"affirmatif",
    r"totalement",
    r"completement",
    r"entierement",
    r"parfaitement",
    r"systematiquement",
    r"toujours",
    r"c est (?:le cas|fait|bon|en place|acte|vrai)",
    r"(?:mise?s?|est|sont) en (?:place|oeuvre|service)",
    r"nous avons",
    r"on a",
    r"j ai",
    r"il y a",
    r"il y en a",
    r"nous \w+ons",
    r"on dispose",
    r"existe(?:nt)?",
    r"votee?s?",
    r"adoptee?s?",
    r"designee?s?",
    r"formalisee?s?",
    r"deployee?s?",
    r"realisee?s?",
)


def yes_partly_no(text: str) -> str | None:
    """Return "oui", "en_partie" or "non" for an answer, or None when it says neither."""
    form = match_form(text)
    if form in _EXACT:
        return _EXACT[form]
    if _NOT_AN_ANSWER.search(form):
        return None
    form = _IDIOMS.sub(" ", form)
    for pattern, value in ((_FIRM_NO, "non"), (_PARTLY, "en_partie"), (_NO, "non"), (_YES, "oui")):
        if pattern.search(form):
            return value
    return None
