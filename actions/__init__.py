"""Rasa custom actions (actions.py), served by rasa-sdk as a private service (private_server.py)."""

from actions import conversation
from actions.private_server import install

install()
conversation.install()  # the engine, and the official division, ready before the first message
