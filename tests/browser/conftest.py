"""Browser tests: the real servers (Rasa, actions, web application, demo site) and headless Chromium.

Once per session: the action server and Rasa on the trained model, the web application
(``python -m bot.web``) and the demo commune site on free ports, all on a temporary
SQLite database; Debian's Chromium driven by Playwright for Python. Each test gets a fresh
browser context (empty storage). axe-core and rasa-webchat come from the local npm packs
in var/npm-cache/ (scripts/install-browser.sh): nothing is downloaded here.
"""

from __future__ import annotations

import sys
import tarfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from bot.storage import DiagnosticStore
from bot.storage.engine import make_engine
from tests.servers import MODEL, ROOT, Servers, free_port, rasa_servers, running

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NPM_CACHE = ROOT / "var" / "npm-cache"
SCREENSHOTS = ROOT / "screenshots"
SERIOUS = ("serious", "critical")
INSTALL_HINT = "run `bash scripts/install-browser.sh` (make browser does it)"


@dataclass
class Stack:
    servers: Servers
    web_url: str
    demo_url: str
    env: dict[str, str]
    folder: Path  # every server's log is here (web.log, demo.log, rasa.log, actions.log)
    # Origin allowed to open the door's Socket.IO: tests/browser/test_rasa_webchat.py serves its page there.
    webchat_port: int

    def web_env(self, **overrides: str) -> dict[str, str]:
        return {**self.env, **overrides}


def npm_file(package: str, member: str) -> bytes:
    """A file of a package packed in var/npm-cache/ (``npm pack``)."""
    packs = sorted(NPM_CACHE.glob(f"{package}-[0-9]*.tgz"))
    if not packs:
        pytest.fail(f"{package} is not in {NPM_CACHE}: {INSTALL_HINT}")
    with tarfile.open(packs[-1]) as pack:
        extracted = pack.extractfile(f"package/{member}")
        if extracted is None:
            pytest.fail(f"{member} is missing from {packs[-1].name}")
        return extracted.read()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` first (make browser does it).")
    folder = tmp_path_factory.mktemp("stack")
    web_port, demo_port, webchat_port = free_port(), free_port(), free_port()
    web_url, demo_url = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{demo_port}"
    with rasa_servers(folder, {"DIAGNOSTIC_PUBLIC_URL": web_url}, division=True) as servers:
        env = {
            **servers.env,
            "DIAGNOSTIC_PUBLIC_URL": web_url,
            "DIAGNOSTIC_WEB_HOST": "127.0.0.1",
            "DIAGNOSTIC_WEB_PORT": str(web_port),
            "DIAGNOSTIC_DEMO_PORT": str(demo_port),
            "DIAGNOSTIC_RASA_URL": servers.rasa_url,
            "DIAGNOSTIC_CORS_ORIGINS": f"{demo_url},http://127.0.0.1:{webchat_port}",
            "DIAGNOSTIC_RATE_LIMIT": "1000",
            "DIAGNOSTIC_RATE_LIMIT_IP": "10000",
        }
        with ExitStack() as processes:
            processes.enter_context(web_app(env, folder / "web.log", f"{web_url}/api/health"))
            processes.enter_context(
                running([sys.executable, "-m", "bot.web", "demo"], env, folder / "demo.log", f"{demo_url}/")
            )
            yield Stack(
                servers=servers, web_url=web_url, demo_url=demo_url, env=env, folder=folder,
                webchat_port=webchat_port,
            )  # fmt: skip


def web_app(env: dict[str, str], log: Path, health_url: str) -> AbstractContextManager[None]:
    """The web application (python -m bot.web), up for the duration of the block."""
    return running([sys.executable, "-m", "bot.web", "site"], env, log, health_url)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: {INSTALL_HINT}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Fresh browser contexts (own storage), closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options = {"locale": "fr-FR", "viewport": {"width": 1280, "height": 860}, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context().new_page()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return npm_file("axe-core", "axe.min.js").decode("utf-8")


def axe_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page (shadow DOM included).

    The page's context must bypass the Content-Security-Policy (``bypass_csp=True``), as
    axe-core is injected as an inline script.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    violations = page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ") + " — " + n.failureSummary)
            }));
        }"""
    )
    return [v for v in violations if v["impact"] in SERIOUS]


def screenshot(page: Page, name: str, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def sender() -> str:
    return f"navigateur-{uuid.uuid4().hex[:12]}"


# The stack's diagnostic store, read by the tests that check what was stored.
@pytest.fixture
def store(stack: Stack) -> Iterator[DiagnosticStore]:
    engine = make_engine(stack.env["DIAGNOSTIC_DATABASE_URL"])
    try:
        yield DiagnosticStore(engine)
    finally:
        engine.dispose()
