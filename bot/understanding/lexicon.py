"""Everyday words for the choices, on top of the questionnaire's own synonyms.

The questionnaire lists each choice's label and official synonyms
(bot/content/questionnaire.yml). People answer with the words of their daily work:
"se garer", "les bouchons", "la comcom", "la DGS", "les encombrants". These lists
add such words, written once without accents (matching folds accents, case and
punctuation, and tolerates a missing plural "s"). A word must point to one choice
only: words shared by two themes ("énergie") are left out.
"""

from __future__ import annotations

# Theme codes (the "themes" choice set, used by several questions).
THEME_WORDS: dict[str, tuple[str, ...]] = {
    "eclairage_public": (
        "eclairage nocturne", "eclairage de nuit", "eclairage des rues", "eclairage urbain",
        "lumiere la nuit", "eteindre la nuit", "extinction de nuit", "coupure de nuit",
        "ampoule", "ampoules", "illumination", "illuminations", "mat d eclairage",
        "eclairer", "eclaire", "lampes", "lampe", "eclairages", "led", "leds", "ecl public",
        "reverberes", "lanterne", "lanternes",
    ),
    "batiments": (
        "batiment public", "batiments communaux", "patrimoine communal", "salle polyvalente",
        "salle communale", "creche", "piscine", "mediatheque", "bibliotheque", "cantine scolaire",
        "groupe scolaire", "equipements publics", "locaux", "chaudiere", "chaudieres",
        "climatisation", "clim", "renovation des batiments", "renovation thermique",
        "economies de chauffage", "passoire thermique", "passoires thermiques",
        "consommation des batiments", "gestion technique du batiment",
        "gestion technique des batiments", "decret eco energie tertiaire", "eco energie tertiaire",
        "sonde de temperature", "sondes de temperature", "regulation du chauffage",
    ),
    "relation_usagers": (
        "signaler", "signalement en ligne", "signaler les problemes", "rendez vous en ligne",
        "prendre rendez vous", "prise de rdv", "rdv en ligne", "demarche en ligne",
        "demarches administratives", "demarches dematerialisees", "dematerialisation",
        "paiement en ligne", "payer en ligne", "inscription en ligne", "inscriptions en ligne",
        "formulaire en ligne", "formulaires en ligne", "site internet", "site web",
        "site de la mairie", "appli", "application mobile", "appli mobile",
        "application pour les habitants", "etat civil en ligne", "moins de paperasse",
        "paperasse", "joindre la mairie", "joindre les services", "reponse rapide",
        # The town hall as the institution one calls or writes to, not its building.
        "appeler la mairie", "appellent la mairie", "appelle la mairie", "contacter la mairie",
        "ecrire a la mairie", "la mairie reponde", "la mairie repond", "mairie reponde",
        "reponse de la mairie", "reponses de la mairie", "repondre vite", "reponde vite",
        "repondre plus vite", "reponde plus vite",
        "reponses plus rapides", "delais de reponse", "reactivite", "chatbot", "messagerie",
        "panneaupocket", "panneau pocket", "illiwap", "intramuros", "informer les habitants",
        "information des habitants", "alertes sms", "guichet", "france services", "teleprocedure",
        "teleprocedures", "relation citoyens", "relation aux usagers", "service public en ligne",
    ),
    "donnees_ouvertes": (
        "donnees publiques", "publication des donnees", "publier les donnees", "publier nos donnees",
        "open data", "opendata", "transparence", "data gouv", "datagouv", "jeu de donnees",
        "donnees en libre acces", "donnees accessibles", "partage des donnees",
    ),
    "eau": (
        "eau potable", "eaux pluviales", "eaux usees", "pluvial", "station d epuration",
        "step", "secheresse", "consommation d eau", "reseau d eau potable", "compteurs d eau",
        "releve des compteurs", "fuite d eau", "fuites d eau", "gestion de l eau", "robinet",
        "canalisations", "canalisation",
    ),
    "dechets": (
        "encombrants", "depots sauvages", "depot sauvage", "decharge sauvage", "dechetterie",
        "decheterie", "recyclage", "compost", "composteur", "composteurs", "compostage",
        "bennes", "benne", "ramassage", "ramassage des poubelles", "sacs jaunes",
        "ordures menageres", "proprete des rues", "salete", "poubelle", "ordure",
        "points d apport volontaire", "point d apport volontaire", "pav", "verre",
        "collecte des dechets", "tri selectif", "redevance incitative",
    ),
    "mobilite": (
        "se garer", "garer", "trouver une place", "places de parking", "embouteillage",
        "bouchon", "bouchons", "congestion", "voiture", "voitures", "vehicule electrique",
        "vehicules electriques", "recharge electrique", "bornes electriques", "borne electrique",
        "piste cyclable", "pistes cyclables", "trottinette", "trottinettes", "tram", "tramway",
        "metro", "gare", "transport en commun", "transports en commun", "autopartage",
        "deplacement", "deplacements", "se deplacer", "voirie", "securite routiere",
        "ralentir la circulation", "stationner", "cars", "car scolaire", "transport scolaire",
        "transport a la demande", "pietons", "pieton", "feux tricolores", "feux intelligents",
    ),
    "participation": (
        "consulter", "consulte", "consultes", "consultee", "consultees", "donner leur avis",
        "donner son avis", "donner un avis", "donner mon avis", "etre consulte",
        "etre consultes", "etre ecoute", "etre ecoutes", "etre entendu", "etre entendus",
        "associer les habitants", "associer la population", "reunion publique",
        "reunions publiques", "referendum", "petition", "petitions", "co construction",
        "coconstruction", "implication citoyenne", "implication des habitants",
        "participer aux decisions", "participer", "democratie locale", "conseil citoyen",
        "conseils citoyens", "conseil des jeunes", "conseil municipal des jeunes", "debat public",
        "budget citoyen",
    ),
}

# Words that name a theme only when no other theme is named: "en ligne" alone means
# online services, but "une concertation en ligne" is participation.
WEAK_THEME_WORDS: dict[str, tuple[str, ...]] = {
    "relation_usagers": (
        "en ligne", "sur internet", "par internet", "numerique", "dematerialise", "dematerialisee",
    ),
}

# Words for the choices of one question, by question id and then choice code.
QUESTION_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "type_collectivite": {
        "commune": (
            "commune nouvelle", "petite commune", "commune rurale", "ville moyenne", "bourg",
            "municipal", "municipale", "conseil municipal", "mairie de", "hotel de ville",
            "arrondissement",
        ),
        "intercommunalite": (
            "comcom", "com com", "cdc", "communaute de commune", "com d agglo", "comm de communes",
            "communaute d agglo", "communautes de communes", "sivom", "sivu", "sictom",
            "smictom", "syndicat mixte", "syndicat intercommunal", "pole metropolitain",
            "communaute", "intercommunal", "intercommunale", "epci a fiscalite propre",
            "cu", "cdagglo",
        ),
        "departement": (
            "conseil general", "departemental", "departementale", "le cd", "collectivite departementale",
        ),
        "region": ("conseil regional", "collectivite regionale", "la region"),
        "autre": (
            "parc naturel", "pnr", "parc naturel regional", "sem", "spl", "societe publique locale",
            "office de tourisme", "ccas", "bailleur", "bailleur social", "universite", "prefecture",
            "ministere", "entreprise", "bureau d etudes", "gip", "groupement",
            "hopital", "chu", "ecole", "lycee", "college", "petr", "sdis",
        ),
    },
    "role_repondant": {
        "elu": (
            "maire adjoint", "maire adjointe", "premier adjoint", "premiere adjointe", "1er adjoint",
            "1ere adjointe", "conseiller delegue", "conseillere deleguee", "delegue", "deleguee",
            "conseiller", "conseillere", "edile", "elue municipale", "elu municipal", "vp",
            "elu communautaire", "elue communautaire", "conseiller communautaire",
            "conseillere communautaire", "conseiller departemental", "conseillere departementale",
            "conseiller regional", "conseillere regionale", "madame le maire", "monsieur le maire",
            # Titles of elected heads elsewhere in the French-speaking world.
            "bourgmestre", "echevin", "echevine", "syndic", "syndique", "mairesse",
        ),
        "direction_generale": (
            "directeur general des services", "directrice generale des services",
            "directeur general adjoint", "directrice generale adjointe", "dgas", "dg",
            "secretaire generale", "secretaire general", "sg", "secretaire de mairie",
            "secretaire generale de mairie", "direction generale des services",
            "dirige les services", "dirige l administration",
        ),
        "direction_technique": (
            "responsable des services techniques", "directrice des services techniques",
            "directeur des st", "directrice des st", "dsti", "directeur informatique",
            "directrice informatique", "responsable informatique", "responsable du service technique",
            "chef des services techniques", "cheffe des services techniques", "service technique",
            "responsable technique", "directeur du patrimoine",
            "directrice du patrimoine", "responsable du patrimoine", "dga technique",
            "pole technique", "pole des services techniques", "centre technique",
        ),
        "chef_de_projet": (
            "cheffe de projets", "chef de projets", "charge de mission", "chargee de mission",
            "chef de projet numerique", "cheffe de projet numerique",
            "chef de projet territoire intelligent",
            "responsable de projet", "pilote du projet", "cdp",
        ),
        "agent": (
            "agent territorial", "agente territoriale", "agent administratif", "agente administrative",
            "gestionnaire", "secretaire", "comptable", "instructeur",
            "instructrice", "employe municipal", "employee municipale", "fonctionnaire", "agent communal",
            "agente communale", "agent municipal", "agente municipale", "redacteur", "redactrice",
            "adjoint administratif", "adjointe administrative", "adjoint technique",
            "adjointe technique", "technicien", "technicienne", "conseiller numerique",
            "conseillere numerique",
        ),
        "autre": (
            "stagiaire", "alternant", "alternante", "apprenti", "apprentie", "etudiant", "etudiante",
            "journaliste", "chercheur", "chercheuse",
            "bureau d etudes", "amo", "assistant a maitrise d ouvrage", "benevole", "retraite",
            "citoyen", "citoyenne", "simple curieux",
        ),
    },
}


def weak_names(code: str) -> tuple[str, ...]:
    """Words naming this choice only when no other choice is named."""
    return WEAK_THEME_WORDS.get(code, ())


def extra_names(question_id: str, code: str) -> tuple[str, ...]:
    """The everyday words for one choice of one question."""
    return QUESTION_WORDS.get(question_id, {}).get(code, ()) + THEME_WORDS.get(code, ())
