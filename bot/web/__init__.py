"""The web application (Starlette): site, chat API, embeddable widget and reports.

Start it with ``python -m bot.web`` (``make run`` does); ``python -m bot.web demo`` serves the
demo commune website that embeds the widget from another origin.
"""
