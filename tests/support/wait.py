"""Polling for tests: one loop, one failure message.

`wait_until` checks a predicate until it is truthy (and returns its value) or fails with an
AssertionError naming what never happened. With a Playwright `page` it pauses through
`page.wait_for_timeout`, not `time.sleep`: Playwright's sync API delivers events (console
messages, popups, page callbacks) only while it runs, so a plain sleep would starve them.
"""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], *, timeout: float = 10.0, interval: float = 0.05,
               message: str | Callable[[], str] = "the condition", page=None) -> T:
    """Poll `predicate` every `interval` s for up to `timeout` s; `message` (or a callable giving
    it, evaluated only on failure) says what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            what = message() if callable(message) else message
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}{_console(page)}")
        if page is None:
            time.sleep(interval)
        else:
            page.wait_for_timeout(interval * 1000)


def wait_for_js(page, expression: str, *, frame=None, timeout: float = 15.0):
    """Poll a JavaScript expression in `page` or one of its frames. The picker's CSP forbids eval,
    so Playwright's wait_for_function cannot run inside it; evaluate() can."""
    target = frame if frame is not None else page
    return wait_until(lambda: target.evaluate(expression), timeout=timeout, message=expression, page=page)


def _console(page) -> str:
    log = getattr(page, "console_log", None)  # set by the browser_page fixture
    return f"\nconsole:\n{log.text()}" if log is not None else ""
