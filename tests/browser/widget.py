"""Drives the widget in a page as a person would (Playwright locators pierce its shadow DOM)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, Page

LAUNCHER = "Faire l'autodiagnostic"
# True once the reply has come (one more bot message) or an error is shown.
_REPLIED = """(previous) => {
    const host = document.querySelector("dti-assistant");
    const root = host && host.shadowRoot;
    if (!root || !root.querySelector(".typing")) return false;
    if (root.querySelector(".msg--error")) return true;
    return root.querySelector(".typing").hidden && root.querySelectorAll(".msg--bot").length > previous;
}"""
_STORED = """(suffix) => {
    for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        if (key.startsWith("dti-assistant:") && key.endsWith(suffix)) return localStorage.getItem(key);
    }
    return null;
}"""
_FOCUSED = """() => {
    let node = document.activeElement;
    while (node && node.shadowRoot && node.shadowRoot.activeElement) node = node.shadowRoot.activeElement;
    return node ? {tag: node.tagName.toLowerCase(), id: node.id, cls: node.className,
                   text: (node.textContent || "").trim()} : null;
}"""


class Widget:
    def __init__(self, page: Page) -> None:
        self.page = page

    # --- what is on screen ------------------------------------------------------------

    @property
    def launcher(self) -> Locator:
        return self.page.get_by_role("button", name=LAUNCHER)

    @property
    def panel(self) -> Locator:
        return self.page.locator("dti-assistant .panel")

    @property
    def input(self) -> Locator:
        return self.page.get_by_label("Votre réponse")

    @property
    def choices(self) -> Locator:
        return self.page.locator("dti-assistant .choices")

    @property
    def bot_messages(self) -> Locator:
        return self.page.locator("dti-assistant .msg--bot")

    @property
    def user_messages(self) -> Locator:
        return self.page.locator("dti-assistant .msg--user")

    @property
    def errors(self) -> Locator:
        return self.page.locator("dti-assistant .msg--error")

    def progress(self) -> str:
        return self.page.locator("dti-assistant .progress-text").inner_text()

    def focused(self) -> dict[str, str] | None:
        """The element that has the keyboard focus, inside the shadow DOM if need be."""
        return self.page.evaluate(_FOCUSED)

    def sender(self) -> str:
        return self.page.evaluate(_STORED, ":sender")

    def current_question(self) -> dict[str, Any] | None:
        """The payload of the question the widget shows now (from its stored history)."""
        history = self.page.evaluate(f"() => JSON.parse(({_STORED})(':history') || '[]')")
        for entry in reversed(history):
            custom = entry.get("custom") or {}
            if custom.get("type") == "result":
                return None
            if custom.get("type") == "question":
                return custom
        return None

    # --- what a person does -----------------------------------------------------------

    def wait_for_reply(self, previous: int) -> None:
        self.page.wait_for_function(_REPLIED, arg=previous)
        if self.errors.count():
            raise AssertionError(f"the widget shows an error: {self.errors.first.inner_text()}")

    def act(self, action: Callable[[], None]) -> None:
        """Do something that sends a message, and wait for the answer."""
        previous = self.bot_messages.count()
        action()
        self.wait_for_reply(previous)

    def open(self) -> None:
        previous = self.bot_messages.count()
        self.launcher.click()
        self.panel.wait_for(state="visible")
        if previous == 0:
            self.wait_for_reply(previous)

    def click(self, label: str) -> None:
        self.act(lambda: self.choices.get_by_role("button", name=label, exact=True).click())

    def type(self, text: str) -> None:
        def send() -> None:
            self.input.fill(text)
            self.input.press("Enter")

        self.act(send)

    def check(self, labels: list[str]) -> None:
        for label in labels:
            self.choices.get_by_label(label, exact=True).check()
        self.click("Valider")
