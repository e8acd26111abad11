"""Rasa custom actions (actions.py), served by rasa-sdk as a private service (private_server.py)."""

from actions.private_server import install

install()
