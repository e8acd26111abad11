"""``python -m bot.web`` serves the web application; ``python -m bot.web demo`` the demo site.

Host and ports come from the DIAGNOSTIC_ variables (see bot/settings.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn

from bot.settings import SettingsError, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.web", description="Site web du diagnostic.")
    parser.add_argument("what", nargs="?", choices=("site", "demo"), default="site",
                        help="site (par défaut) ou demo : le site de démonstration d'une commune")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"Configuration invalide : {error}", file=sys.stderr)
        return 2
    if args.what == "demo":
        from bot.web.demo import create_demo_app

        app = create_demo_app(settings)
        port = settings.demo_port
    else:
        from bot.web.app import create_app

        app = create_app(settings)
        port = settings.web_port
    # WebSocket (Socket.IO's transport) through wsproto: uvicorn's "websockets" implementations
    # need a newer websockets than the one Rasa pins.
    # proxy_headers=False: the client address is bot.web.client_address's (trusted proxies only).
    uvicorn.run(
        app, host=settings.web_host, port=port, log_level="warning", proxy_headers=False, ws="wsproto"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
