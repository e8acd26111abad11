"""The official administrative division (issue 13): who the person's authority is.

- ``division.py``: what is kept of ``@etalab/decoupage-administratif`` (plain values);
- ``pack.py``: reads the npm pack of var/npm-cache/ (scripts/install-authorities.sh);
- ``normalise.py``: names without case, accents, signs and abbreviations;
- ``index.py``: the in-memory index of every commune and EPCI;
- ``match.py``: finding the authority an answer names, or spotting one in a message;
- ``lookup.py``: what the conversation engine asks of them (``AuthorityLookup``);
- ``cli.py``: ``python -m bot authorities load|status`` and ``python -m bot find-authority``.

Only ``cli.py`` touches the database (through ``bot/storage/division.py``); the rest knows
nothing of Rasa, the web or the database.
"""
