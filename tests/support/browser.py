"""Playwright for Python driving Debian's Chromium (no downloaded browser builds).

Fixtures: `chromium` (one browser per session), `browser_page` (a fresh context and page,
300x300 like Element's sticker popover), `widget_host` (the host page's servers).
"""
from __future__ import annotations

import os

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
POPOVER = {"width": 300, "height": 300}  # Element's sticker picker popover


def launch(playwright):
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"Chromium is not installed at {CHROMIUM}: run 'make setup-test' "
                           "(it installs Debian's chromium).")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


class ConsoleLog(list):
    def text(self) -> str:
        return "\n".join(self)


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(viewport=POPOVER)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.console_log = ConsoleLog()
    page.on("console", lambda message: page.console_log.append(f"[{message.type}] {message.text}"))
    page.on("pageerror", lambda error: page.console_log.append(f"[pageerror] {error}"))
    yield page
    context.close()


@pytest.fixture(scope="session")
def widget_host():
    from tests.support.widget_host import WidgetHost

    host = WidgetHost()
    yield host
    host.stop()
