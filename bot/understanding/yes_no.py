"""Reading "oui / en partie / non" out of a free answer.

Requests for help ("je ne comprends pas", "c'est quoi ?") give None. Then rules
are tried in order on the matching form (``text.match_form``) and the first
that fires decides:

1. the answer is exactly a code or a button label ("oui", "En partie", "non");
2. a self-correction ("non, enfin si…") is read from the correction on;
3. a firm refusal ("pas du tout", "absolument pas", "pas encore commencé", a
   leading "pas encore") → non, so that its words cannot be read as a partial
   answer below;
4. a partial marker ("en cours", "oui mais", "certains services", "pas tout à
   fait", "deux sur six") → en_partie: it wins over yes and no words;
5. clauses of opposite polarity ("pour les écoles oui, pour l'éclairage non",
   "il y a un élu référent mais il n'arbitre rien") → en_partie;
6. a negation ("non", "jamais", "aucun", "ne … pas", "nous n'avons pas") → non;
7. an affirmation ("oui", "bien sûr", "c'est le cas") or an affirmative statement
   ("nous avons…", "il y a…", "existe", "mis en place", "c'est le CDG qui…") → oui.

Hedged answers ("je crois que oui", "rarement") are read by ``hedge_candidates``:
a person could mean either value, so the engine asks rather than guesses.

English is not understood, except a one-word yes or no ("yeah", "yep", "nope", "nah"), which
anyone may type.
"""

from __future__ import annotations

import re
from itertools import pairwise

from bot.understanding.matching import word_pattern
from bot.understanding.text import Said, form_of, said

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

# Refusing to answer is no "non": "je préfère ne pas répondre", "pas de commentaire".
_REFUSAL = word_pattern(
    r"(?:veux|voudrais|souhaite|souhaiterais|prefere|prefererais|preferons|tiens)"
    r" (?:pas |ne pas |plutot ne pas |pas trop )?(?:a )?"
    r"(?:repondre|me prononcer|nous prononcer|en parler|le dire|le communiquer)",
    r"pas de commentaires?",
    r"sans commentaires?",
    r"je (?:ne )?reponds pas",
    r"joker",
    r"question suivante",
    r"(?:ne|n) (?:vous|te) regarde pas",
)


# Not-knowing denied: "je ne suis pas sans savoir", "ce n'est pas que je ne sais pas", "je ne dis
# pas que je ne sais pas": the person knows; what follows is the answer. Taken out before the
# "je ne sais pas" phrases and the double negations are looked for.
_NEGATED_NOT_KNOWING_PHRASES = (
    r"(?:(?:je|j|on|nous) )?(?:ne |n )?(?:suis|sommes|est|etais|serais) pas sans (?:le |l )?"
    r"(?:savoir|ignorer|connaitre)",
    r"(?:ce (?:n )?est|c est|cela (?:n )?est) pas (?:que|qu) (?:je|j|on|nous) (?:ne |n )?(?:le |l |en |y )?"
    r"(?:sais|sait|savons|sache|sachions|connais|connait|connaissons) pas",
    r"(?:je|j|on|nous) (?:ne |n )?(?:dis|dit|disons) pas (?:que|qu) (?:je|j|on|nous) (?:ne |n )?"
    r"(?:le |l |en )?(?:sais|sait|savons|sache) pas",
)
_NEGATED_NOT_KNOWING = word_pattern(*_NEGATED_NOT_KNOWING_PHRASES)
# The same on the folded text, whose apostrophes and punctuation are kept ("ce n'est pas que…").
_NEGATED_NOT_KNOWING_FOLDED = re.compile(
    r"(?<![a-z0-9])(?:{})(?![a-z0-9])".format(
        "|".join(phrase.replace(" ", r"[^a-z0-9]+") for phrase in _NEGATED_NOT_KNOWING_PHRASES)
    )
)


def without_denied_not_knowing(text: str | Said) -> Said:
    """The message without its denied not-knowing ("ce n'est pas que je ne sais pas, personne ne
    le porte" → "personne ne le porte"); the message itself when it has none."""
    message = said(text)
    if not _NEGATED_NOT_KNOWING_FOLDED.search(message.folded):
        return message
    return said(" ".join(_NEGATED_NOT_KNOWING_FOLDED.sub(" ", message.folded).strip(" ,;:.!-").split()))


def answer_form(text: str | Said) -> str:
    """The matching form the yes / no readers work on: denied not-knowing taken out ("ce n'est
    pas que je ne sais pas, …")."""
    return " ".join(_NEGATED_NOT_KNOWING.sub(" ", said(text).form).split())


def refuses_to_answer(text: str | Said) -> bool:
    """Whether the person declines to answer ("je préfère ne pas répondre"): no value to store."""
    return bool(_REFUSAL.search(answer_form(text)))


_EXACT = {"oui": "oui", "si": "oui", "en partie": "en_partie", "non": "non"}
# One-word English yes / no, alone in the message (a sentence in English is another language).
_ENGLISH = {
    **dict.fromkeys(("yes", "yeah", "yep", "yup", "yea", "yes yes", "yeah yeah"), "oui"),
    **dict.fromkeys(("no", "nope", "nah", "no no", "nop"), "non"),
    # and the German "nein", as well known
    "nein": "non",
}

# Set phrases whose "pas", "aucun", "jamais" or "quelques" says nothing of the answer: "aucun
# souci", "ce n'est pas compliqué", "rien à signaler", "non seulement",
# "pas que les écoles" (not only), "depuis quelques années" (a duration, no share).
_IDIOMS = word_pattern(
    r"pas de (?:souci|soucis|probleme|problemes)",
    r"sans (?:aucun )?(?:souci|soucis|probleme|problemes|difficulte)",
    r"(?:aucune?|jamais eu de|jamais de|pas le moindre) (?:souci|soucis|probleme|problemes|difficulte"
    r"|difficultes|plainte|plaintes)",
    r"n est ce pas",
    r"pourquoi pas",
    r"pas mal de",
    r"(?:(?:n|ne) (?:\w+ )?)?pas (?:si |tres |trop |bien )?(?:complique|compliquee|difficile|sorcier)",
    r"(?:n a|n ont) rien de (?:complique|difficile|sorcier)",
    r"rien a (?:signaler|redire)",
    r"pas d inquietude",
    r"ni plus ni moins",
    r"non seulement",
    r"(?:depuis|des) le (?:tout )?debut",
    r"pas (?:seulement|uniquement|juste|que)(?= (?:pour|les?|la|l|des|du|dans|sur|a|au|aux|nos|notre|en)"
    r"(?![a-z0-9]))",
    r"(?:depuis|il y a|cela fait|voila) (?:un certain temps|(?:quelques|plusieurs) (?:annees|ans|mois"
    r"|semaines|jours))",
)
# Words of certainty, or of nothing missing, read as a plain "oui": "sans aucun doute", "c'est
# certain" (not "certains services"), "plus que jamais", "il ne manque rien".
_CERTAINLY = word_pattern(
    r"sans (?:aucun|l ombre d un) doute",
    r"(?:cela|ce|il) ne fait (?:aucun|pas de|pas l ombre d un) doute",
    r"aucun doute",
    r"(?:pas de|nul) doute",
    r"rien de plus (?:simple|facile|normal|naturel)",
    r"jamais (?:autant|aussi bien)",
    r"sure? et certaine?",
    r"(?:c est|j en suis|nous en sommes|on en est) (?:certaine?s?|sure?s?)"
    r"(?= (?:que|oui|et|on|nous|il|elle|c|j|je|cela)(?![a-z0-9])|$)",
    r"^certaine?(?= (?:on|nous|c|il|elle|oui|j|je|cela)(?![a-z0-9])|$)",
    r"a coup sur",
    r"assurement",
    r"pour sur",
    r"plus que jamais",
    r"il ne (?:nous |leur )?manque rien",
    r"rien ne (?:nous |leur )?manque",
    r"(?:on|nous) ne (?:manque|manquons) de rien",
)


def _plain(form: str) -> str:
    """The matching form with set phrases taken out and words of certainty made a "oui"."""
    return " ".join(_CERTAINLY.sub(" oui ", _IDIOMS.sub(" ", form)).split())


# "non, enfin si", "non… ah si", "en fait oui": the person corrects themselves.
# Matched on the folded text (punctuation kept, for the clauses of rule 5).
_CORRECTION = re.compile(
    r"(?<![a-z0-9])(?:enfin|ah|ah ben|en fait|pardon|je veux dire|plutot)[\s,.!…-]+"
    r"(?=(?:si|oui|non|en partie)(?![a-z0-9]))"
)

# Words completing "pas (encore)" into a partial answer: "pas encore finalisé".
_UNFINISHED = (
    r"completement|totalement|entierement|tout|tous|toutes|partout|toujours|systematiquement"
    r"|vraiment (?:formalise|abouti|finalise)"
    r"|(?:finalise|formalise|termine|fini|abouti|acheve|complet|generalise|deploye|ecrit"
    r"|valide|officiel|structure|opérationnel|operationnel|etendu|systematique|regulier)e?s?"
    r"|(?:a )?chaque fois|tout le temps|a tous les coups|a 100"
)

_FIRM_NO = word_pattern(
    r"pas du tout",
    r"du tout",
    r"absolument pas",
    r"rien du tout",
    r"aucunement",
    r"nullement",
    r"pas question",
    r"(?:pas|rien|aucun|aucune|jamais) (?:encore )?(?:de |d |en )?"
    r"(?:commence|debute|demarre|prevu|projet|reflexion|cours)e?s?",
    r"rien de (?:prevu|formalise|fait|lance)",
    # Given up: "on a abandonné", "le projet est tombé à l'eau" (its "on a" is no yes).
    r"(?:abandonnee?s?|laisse tombe|tombee?s? a l eau)",
    r"(?:on (?:l |les )?a|nous (?:l |les )?avons) (?:\w+ )?(?:renonce|stoppee?s?)",
    # A start or a plan denied: "rien n'a été lancé", "aucun projet n'est en cours", "ce n'est
    # même pas à l'étude", "on n'y a jamais réfléchi".
    r"(?:rien|aucune? \w+|personne) (?:ne|n) (?:\w+ ){0,2}(?:commencee?s?|debutee?s?|demarree?s?"
    r"|lancee?s?|engagee?s?|entamee?s?|envisagee?s?|prevue?s?|en cours|a l etude|en projet|en preparation)",
    r"(?:ne|n) (?:\w+ ){0,2}(?:meme )?pas (?:encore )?(?:en cours|a l etude|en projet|en preparation"
    r"|en reflexion|envisagee?s?|a l ordre du jour)",
    r"(?:ne|n) (?:\w+ ){0,2}jamais (?:\w+ ){0,2}(?:reflechi|envisage|pense|etudie|aborde|evoque)",
    # What will come is not there yet: "on va y venir, mais pas encore", "ça viendra, pas encore".
    rf"^(?:(?:bah|ben|euh|bon|alors) )*(?:on|nous|ca|cela|je|j) (?:va|vont|allons|vais|compte|comptons"
    rf"|viendra|y viendra|y viendrons)(?: \w+){{0,4}} pas encore(?! (?:{_UNFINISHED})(?![a-z0-9]))",
    # A leading "pas encore" (not "pas encore finalisé"): whatever is planned, it is not done.
    rf"^(?:(?:bah|ben|euh|non) )*pas encore(?! (?:{_UNFINISHED})(?![a-z0-9]))",
)

_NUMBER_WORD = r"(?:[0-9]+|une?|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt)"

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
    r"(?:commence|debute|demarre|amorce|entame)e?s?(?! par)",
    r"on commence(?! par)",
    r"au debut",
    r"debut",
    r"un (?:tout )?(?:petit )?peu",
    r"a peu pres",
    # Known or done roughly: "c'est très approximatif", "grosso modo", "à la louche".
    r"approximati(?:f|ve|fs|ves|vement)",
    r"grosso modo",
    r"dans les grandes lignes",
    r"a la louche",
    r"pas (?:tres |si )?loin(?! d ici)",
    # "c'est loin d'être terminé": started, not finished.
    r"loin d etre (?:\w+ )?(?:" + _UNFINISHED + r")",
    r"presque(?! (?:rien|pas|jamais|aucune?|personne))",
    # "pas" as a noun: "on fait nos premiers pas", "pas à pas".
    r"(?:premiers?|petits?) pas",
    r"pas a pas",
    r"un (?:premier |petit )?pas",
    # A last step still to take: "une liste d'actions, il faut prioriser", "reste à le voter".
    r"(?:il (?:nous )?(?:faut|reste a)|reste a|(?:on|nous) (?:doit|devons)) (?:encore )?"
    r"(?:les? |la |l )?(?:faire )?(?:prioriser|trancher|choisir|arbitrer|valider|finaliser|formaliser"
    r"|hierarchiser|departager|voter|signer|deliberer)",
    # What is left is small: "il ne manque plus que la signature", "rien que pour l'éclairage".
    r"(?:ne|n) \w+ plus (?:que|qu)",
    r"rien (?:que|qu)(?= (?:pour|les?|la|l|des|sur|dans|au|aux)(?![a-z0-9]))",
    r"(?:une |la )?minorite",
    r"une poignee",
    r"peu (?:de|d)",
    # Done, but not officially: "sans être officiellement désignée", "pas officiellement".
    r"(?:pas|sans) (?:\w+ ){0,3}(?:officiel|formel)(?:le)?s?(?:lement)?",
    r"sans (?:etre |avoir ete |que (?:ce|cela) soit )?(?:\w+ )?(?:formalise|designe|nomme|ecrit|valide)e?s?",
    r"officieu(?:x|se|sement)",
    r"pas (?:encore )?(?:" + _UNFINISHED + r")",
    r"informel(?:le)?s?",
    r"informellement",
    r"quelques? uns?",
    r"quelques? unes?",
    r"quelques?",
    r"qqs?(?: uns?| unes?)?",
    r"certaine?s?",
    r"une partie",
    r"la plupart",
    r"la moitie",
    r"a moitie",
    r"(?:un|le|les deux) (?:tiers|quart)",
    rf"{_NUMBER_WORD} (?:\w+ ){{1,2}}sur {_NUMBER_WORD}",  # "deux quartiers sur six", not a bare "4 sur 5"
    r"plus ou moins",
    r"(?:cela|ca) depend",
    r"depend",
    r"moyennement",
    r"parfois",
    r"quelquefois",
    r"des fois(?! que)",
    r"a demi(?! (?:heure|journee|tarif|mot))",
    r"vite fait",
    r"(?:on|nous|je|j) (?:\w+ )?(?:essaye|essaie|essayons|tente|tentons)(?! (?:pas|rien|jamais))",
    r"en cour d",
    r"de temps (?:en|a) temps",
    r"occasionnellement",
    r"ponctuellement",
    r"progressivement",
    r"petit a petit",
    r"oui mais",
    r"oui et non",
    r"si et non",
    r"seulement",
    r"(?:^|tout )juste(?= (?:pour|les?|la|l|des|du|un|une|sur|dans|au|aux|quelques?)(?![a-z0-9]))",
    r"uniquement",
    r"sauf",
    r"a part (?:les?|la|l|des|pour)",
    r"pas mal",
    r"bof",
    r"mouais",
    r"bientot",
    r"ne \w+ qu(?:e)?",
    r"n \w+ (?:\w+ )?qu(?:e)?",
    # "une étude, pas pour les travaux": something is done, but not for everything.
    r"(?<!non )(?<!encore )(?<!toujours )(?:(?<=[a-z0-9] )|^)pas pour (?:les?|la|l|des|tous|toutes)"
    r"(?! (?:instant|moment|maintenant))",
)

_NO = word_pattern(
    r"no+n+",
    r"na+n+",
    r"nope",
    r"niet",
    r"nenni",
    r"pantoute",
    r"neant",
    r"nulle part",
    r"walou",
    r"degun",
    r"que dalle",
    r"nada",
    r"negatif",
    r"pas",
    r"jamais",
    r"aucune?",
    r"rien",
    r"personne ne",
    r"personne n",
    r"^(?:(?:bah|ben|euh|non) )*personne(?! (?:qui|de chez))",
    r"ni",
    r"n (?:\w+ ){0,3}plus",
    r"ne (?:\w+ ){0,3}plus",
)

_YES = word_pattern(
    r"ou+i+",
    # The person is the one asked about: "c'est moi le référent", "moi-même".
    r"^(?:(?:bah|ben|eh bien|euh) )*(?:c est moi|moi meme)(?![a-z0-9])",
    r"oua+i+s+",
    r"ouaip",
    r"ouep",
    r"ouip",
    r"^si",
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
    r"forcement",
    r"naturellement",
    r"(?:cela|ca) va (?:de soi|sans dire)",
    r"c est clair",
    r"^(?:wi|ui|voui|oe)(?! fi)",
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
    # "tous les services", "tout le monde" (a "pas tous" was read as partial before).
    r"tous les",
    r"toutes les",
    r"tout le monde",
    r"tous",
    # "c'est le CDG qui fait DPO pour nous": someone does it.
    r"c est (?:\w+ ){1,5}qui",
    r"on (?:\w+ )?(?:connait|sait|suit|fait|utilise|publie|propose|forme|sensibilise|mesure|prevoit"
    r"|communique|accompagne|organise|gere|pilote|porte|associe|informe|implique)",
)

# Polarity of one clause, for rule 5: words that lean one way inside a clause.
_CLAUSE_NO = word_pattern(
    r"flou",
    r"moins",
    r"en retard",
    r"a la traine",
    r"insuffisante?s?",
    r"(?:eclate|disperse|eparpille|inexistant|absent|lacunaire)e?s?",
    r"pas terrible",
    # A reservation on what is there: "mais l'accompagnement reste limité", "peu écoutés",
    # "elles datent de 2015".
    r"limitee?s?",
    r"peu",
    r"obsoletes?",
    r"datent",
    r"pas a jour",
    r"vieillissante?s?",
    r"perfectible",
    r"manque",
    r"sans(?! (?:exception|probleme|souci|soucis|faute|hesiter|hesitation|doute))",
)
# A wish or a need says it is not there: "on aurait besoin d'un référent", "il faudrait le faire".
_WISH = word_pattern(
    r"(?:on|nous|j) (?:a|avons|aurait|aurions|ai|aurais) (?:bien |vraiment |grand )?besoin",
    r"(?:on|nous|je|j) (?:aimerait|aimerions|aimerais|voudrait|voudrions|voudrais|souhaiterait|souhaiterions"
    r"|souhaiterais)",
    r"il (?:nous )?faudrait",
    r"(?:ce|cela) serait (?:bien|utile|souhaitable|a faire)",
)
_CLAUSE_SPLIT = re.compile(
    r"[,;:.!?()\[\]/]+|\s(?:mais|par contre|en revanche|cependant|pourtant|toutefois|alors que|tandis que"
    r"|sauf que)\s"
)

# Hedges: the person leans one way without committing.
_HEDGE_YES = word_pattern(
    r"je (?:crois|pense|suppose|dirais) (?:que )?oui",
    r"il me semble(?: que oui)?",
    r"(?:probablement|surement|sans doute|a priori|normalement) oui",
    r"(?:oui )?(?:probablement|surement|sans doute|a priori)",
)
_HEDGE_NO = word_pattern(
    r"je (?:crois|pense|suppose|dirais) (?:que )?non",
    r"je (?:ne )?(?:crois|pense) pas",
    r"(?:probablement|surement|sans doute|a priori|normalement) (?:pas|non)",
)
_HEDGE_RARELY = word_pattern(
    r"rarement",
    r"pas souvent",
    r"tres peu",
    r"pas (?:forcement|necessairement|beaucoup|enormement|des masses|tellement|grand chose)",
    r"guere",
)
# Two negations that cancel ("on n'est pas sans DPO", "on ne peut pas dire qu'on n'ait rien",
# "pas question de ne pas…"): the person means yes, or partly; the words alone cannot tell.
_LITOTES = word_pattern(
    r"pas sans",
    r"jamais (?:\w+ ){0,3}sans(?! (?:exception|probleme|souci|soucis|faute))",
    r"rien (?:ne|n) (?:\w+ ){1,2}sans(?! (?:exception|probleme|souci|soucis|faute))",
    r"pas question de ne pas",
    r"pas comme si",
    r"(?:impossible de|peut pas) ne pas",
    r"pas (?:\w+ ){0,2}(?:que|qu) (?:\w+ ){0,2}(?:n|ne) \w+ (?:pas|rien|jamais|aucune?)",
    r"pas (?:inexistante?s?|nulle?s?|negligeable)",
    # Nothing (done) without…: "aucun marché sans clause", "plus rien sans indicateur", "pas un mois
    # sans qu'on regarde".
    r"(?:aucune?|rien|pas une?|pas un seul|pas une seule) (?:\w+ ){0,4}sans"
    r"(?! (?:exception|probleme|souci|soucis|faute|doute))",
    # Not one that is not…: "pas un bâtiment qui ne soit pas suivi".
    r"pas (?:une?|un seul|une seule) \w+ (?:qui|que|qu) (?:ne|n)",
    # A privative verb denied: "on n'oublie jamais", "personne n'a été oublié", "les crédits ne
    # manquent pas", "on ne laisse rien passer", "rien ne nous échappe".
    r"(?:ne|n) (?:\w+ ){0,2}(?:pas|jamais|rien|personne|plus|aucune?) (?:\w+ ){0,2}"
    r"(?:oubli|neglig|echapp)\w*",
    r"(?:ne|n) (?:\w+ ){0,2}(?:manqu|oubli|neglig|echapp)\w* (?:pas|jamais|rien|personne|plus)",
    r"(?:personne|rien|aucune? \w+) (?:ne|n) (?:\w+ ){0,2}(?:oubli|neglig|echapp)\w*",
    r"(?:ne|n) (?:\w+ ){0,2}laisse\w* (?:rien|personne) (?:passer|de cote|au hasard|tomber)",
)


def _clause_polarity(clause: str) -> str | None:
    form = _plain(form_of(clause))
    if not form:
        return None
    if _NO.search(form) or _CLAUSE_NO.search(form) or _WISH.search(form):
        return "non"
    if _YES.search(form):
        return "oui"
    return None


def _mixed(text: str) -> bool:
    """Whether one clause says yes and another no ("les récents oui, les vieux non")."""
    clauses = _CLAUSE_SPLIT.split(" " + text + " ")
    polarities = {_clause_polarity(clause) for clause in clauses}
    return {"oui", "non"} <= polarities


_BARE_NO = word_pattern(
    r"^(?:(?:bah|ben|euh|alors|eh bien|helas|malheureusement|franchement) )*(?:non+|nan+)(?: non+)*$"
)
_SAYS_YES = word_pattern(r"oui+", r"ouais+", r"^si")
_SAYS_NO = word_pattern(r"non+", r"nan+", r"pas du tout", r"absolument pas", r"jamais")


def says_yes_and_no(text: str | Said) -> bool:
    """Whether one clause says "oui" outright and another "non" outright ("informés oui, associés
    non", "pour les écoles oui, pour le reste pas du tout"): partly, whatever else is said."""
    clauses = [form_of(c) for c in _CLAUSE_SPLIT.split(" " + said(text).folded + " ")]
    yes = {i for i, c in enumerate(clauses) if c and _SAYS_YES.search(c) and not _SAYS_NO.search(c)}
    no = {i for i, c in enumerate(clauses) if c and _SAYS_NO.search(c) and not _SAYS_YES.search(c)}
    return bool(yes and no)
_CONTRAST = word_pattern(
    r"mais",
    r"par contre",
    r"en revanche",
    r"cependant",
    r"pourtant",
    r"toutefois",
    r"sauf",
    r"alors que",
    r"tandis que",
    r"meme si",
    r"quand meme",
)


def _reasoned_no(text: str) -> bool:
    """A "non" said alone before a pause, then its reason without a contrast ("Non, c'est le
    maire qui décide", "non, chaque service a son outil"): the reason's words ("c'est… qui",
    "a") do not make the answer partly yes. Not when a later clause says "oui" or a "mais"
    opposes the clauses ("non, mais on a un tableur")."""
    clauses = [form for form in map(form_of, _CLAUSE_SPLIT.split(" " + text + " ")) if form]
    if len(clauses) < 2 or not _BARE_NO.search(clauses[0]):
        return False
    return not _SAYS_YES.search(" ".join(clauses[1:])) and not _CONTRAST.search(form_of(text))


# A participle or adjective denied in a second clause: "lancé, pas achevé", "rédigée mais pas
# votée", "prévu mais pas systématique".
_DENIED_STATE = re.compile(
    r"^(?:(?:c|ce|cela|il|elle|ils|elles|on) (?:n )?(?:est|sont|a|ont|l a|les a) )?pas "
    r"(?:encore |toujours |vraiment |tout a fait |totalement |completement |entierement )?"
    r"(?!(?:du|de|d|des|le|la|les|un|une|trop|tres|si|assez|bien|mal|grand|terrible|possible|sure?|certaine?)"
    r"(?![a-z0-9]))[a-z]+(?:e|es|ee|ees|i|ie|is|ies|u|ue|us|ues|it|ite|its|ites|que|ques|ble|bles|el|elle|els"
    r"|elles|al|ale|aux|ales)(?![a-z0-9])"
)
# What a first clause may hold without saying that something is there: fillers, moments.
_NO_STATEMENT = word_pattern(
    r"^(?:(?:bah|ben|bon|euh|alors|eh bien|franchement|honnetement|sincerement|helas|malheureusement"
    r"|a vrai dire|en fait|pour l instant|pour le moment|pour l heure|a ce jour|actuellement|aujourd hui"
    r"|encore|toujours|ici|chez nous|de notre cote|a ma connaissance|je pense|je crois|non+|nan+) ?)+$"
)


def _opposed(text: str) -> bool:
    """Whether a clause says what is there and the next denies its end ("lancé, pas achevé",
    "rédigée mais pas votée"): partly. The first clause must say something and deny nothing
    ("pour l'instant, pas lancé" stays no)."""
    clauses = [_plain(form_of(clause)) for clause in _CLAUSE_SPLIT.split(" " + text + " ")]
    clauses = [clause for clause in clauses if clause]
    for first, second in pairwise(clauses):
        if not _DENIED_STATE.search(second):
            continue
        if any(p.search(first) for p in (_NO_STATEMENT, _NO, _CLAUSE_NO, _WISH)):
            continue
        return True
    return False


def _yes_and_firm_no(text: str) -> bool:
    """Whether one clause says "oui" outright and another, not the first, a firm no."""
    clauses = [_plain(form_of(clause)) for clause in _CLAUSE_SPLIT.split(" " + text + " ")]
    clauses = [clause for clause in clauses if clause]
    return any(
        _SAYS_YES.search(yes) and not _NO.search(yes) and any(_FIRM_NO.search(no) for no in clauses[i + 1 :])
        for i, yes in enumerate(clauses)
        if i > 0 or len(yes.split()) > 1
    )


# What is there is all there is: "un formulaire de contact, c'est tout", "un tableur, sans plus".
_ONLY_THAT = word_pattern(
    r"(?:et )?c est tout(?! (?:a fait|le temps|le monde|de suite))",
    r"(?:et )?(?:rien|pas) de plus",
    r"sans plus",
    r"point barre",
    r"pas plus (?:que )?(?:ca|cela)",
)


_PLANNED = re.compile(r"(?<![a-z0-9])prevue?s?(?![a-z0-9])")


def _read(text: str, planned: bool = False) -> str | None:
    """Rules 2 to 7 on a folded text."""
    corrections = list(_CORRECTION.finditer(text))
    if corrections:
        return _read(text[corrections[-1].end() :], planned)
    form = _plain(form_of(text))
    if form in _EXACT:
        return _EXACT[form]
    if _FIRM_NO.search(form):
        # "les écoles oui, le reste pas du tout": a firm no for one part, a yes for another.
        partly = _yes_and_firm_no(text) or re.search(r"(?<![a-z])(?:partiellement|en partie)(?![a-z])", form)
        return "en_partie" if partly else "non"
    if planned:
        # "c'est prévu" where the question asks whether it is planned: yes ("rien de prévu" and
        # "pas prévu" were read as no above).
        form = _PLANNED.sub("oui", form)
        text = _PLANNED.sub("oui", text)
    if _PARTLY.search(form) or _opposed(text):
        return "en_partie"
    if _reasoned_no(text):
        return "non"
    if _mixed(text):
        return "en_partie"
    if _ONLY_THAT.search(form):
        # "on a un informaticien, c'est tout": what is there, and nothing more.
        rest = _ONLY_THAT.sub(" ", form)
        if _YES.search(rest) and not (_SAYS_YES.search(rest) or _NO.search(rest) or _WISH.search(rest)):
            return "en_partie"
    if _NO.search(form) or _WISH.search(form):
        return "non"
    if _YES.search(form):
        return "oui"
    return None


def yes_partly_no(text: str | Said, planned: bool = False) -> str | None:
    """Return "oui", "en_partie" or "non" for an answer, or None when it says neither.

    ``planned``: the question asks whether something is planned ("Prévoyez-vous…", "Avez-vous
    prévu…"): there, "c'est prévu" answers yes, not partly."""
    message = said(text)
    form = answer_form(message)
    if form in _EXACT:
        return _EXACT[form]
    if form in _ENGLISH:
        return _ENGLISH[form]
    if _NOT_AN_ANSWER.search(form) or _REFUSAL.search(form):
        return None
    return _read(" ".join(_NEGATED_NOT_KNOWING_FOLDED.sub(" ", message.folded).split()), planned)


# Words that answer outright, whatever else the message says.
_OUTRIGHT = word_pattern(
    r"oui+",
    r"ouais+",
    r"ouaip",
    r"ouep",
    r"^si",
    r"non+",
    r"nan+",
    r"nope",
    r"en partie",
    r"partiellement",
    r"pas du tout",
    r"tout a fait",
    r"absolument",
    r"bien sur",
    r"jamais",
    r"aucunement",
    r"pas encore",
)


def says_outright(text: str | Said) -> bool:
    """Whether the message holds a word that answers a yes / no question outright ("oui",
    "non", "en partie", "pas du tout"…), not only words that may say it ("on a", "pas")."""
    form = answer_form(text)
    return form in _ENGLISH or bool(_OUTRIGHT.search(form))


def hedge_candidates(text: str | Said) -> tuple[str, ...]:
    """The values a hedged answer may mean, most likely first; () when it is not hedged.

    "je crois que oui" → ("oui", "ne_sait_pas"); "je ne pense pas" → ("non",
    "ne_sait_pas"); "rarement" → ("en_partie", "non"); "on n'est pas sans…" → ("oui",
    "en_partie").
    """
    form = answer_form(text)
    if _NOT_AN_ANSWER.search(form) or _REFUSAL.search(form):
        return ()
    if _HEDGE_NO.search(form):
        return ("non", "ne_sait_pas")
    if _HEDGE_YES.search(form):
        return ("oui", "ne_sait_pas")
    if _HEDGE_RARELY.search(form):
        return ("en_partie", "non")
    if _LITOTES.search(form):
        return ("oui", "en_partie")
    return ()


_CONTRAST_SPLIT = re.compile(
    r"(?<![a-z0-9])(?:mais|par contre|en revanche|cependant|pourtant|toutefois|sauf que)(?![a-z0-9])"
)


def statement_then_denial(text: str | Said) -> bool:
    """Whether a clause states something, without denying it, and a contrast then denies
    ("le maire en parle mais personne ne tranche", "chaque service tient ses fichiers, par contre
    personne n'a de vue d'ensemble"): partly, or no; the words alone cannot tell."""
    parts = _CONTRAST_SPLIT.split(said(text).folded, maxsplit=1)
    if len(parts) < 2:
        return False
    first, second = (_plain(form_of(part)) for part in parts)
    if len(first.split()) < 2 or not second:
        return False
    if any(p.search(first) for p in (_NO, _CLAUSE_NO, _WISH, _NO_STATEMENT, _OUTRIGHT, _FIRM_NO)):
        return False
    return bool(_NO.search(second))
