"""Database (and rate-limit storage) outages: told apart from bugs, reported once per interval.

During an outage every request fails the same way; a traceback each (thousands a second under
load) would bury the log and cost more than the requests. So a failure kind is logged once per
LOG_INTERVAL seconds, with the number of like failures left unsaid since the previous line.
"""
from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)
LOG_INTERVAL = 30.0
RETRY_AFTER_SECONDS = 5  # what a 503 asks clients to wait: a restart or fail-over takes seconds


def is_database_unavailable(error: BaseException) -> bool:
    """True for errors of reaching the database (refused, dropped, pool exhausted), not of SQL."""
    if isinstance(error, (InterfaceError, PoolTimeout)):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, OperationalError):
        # SQLite reports bad SQL ("no such table", syntax) as OperationalError too, with the
        # generic SQLITE_ERROR; the other codes (CANTOPEN, BUSY, IOERR, ...) are the file's state.
        return getattr(error.orig, "sqlite_errorname", None) != "SQLITE_ERROR"
    return False


class Throttle:
    """Says whether a kind of event may be logged now; counts the ones it held back."""

    def __init__(self, interval: float = LOG_INTERVAL) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def allow(self, kind: str) -> int | None:
        """None to stay quiet; otherwise how many events of this kind went unlogged before."""
        now = time.monotonic()
        with self._lock:
            last = self._last.get(kind)
            if last is not None and now - last < self.interval:
                self._held[kind] = self._held.get(kind, 0) + 1
                return None
            self._last[kind] = now
            return self._held.pop(kind, 0)


_throttle = Throttle()


def summary(error: BaseException) -> str:
    """The driver's own first line ("connection refused", ...): no SQL, no parameters, no traceback."""
    cause = getattr(error, "orig", None) or error
    first_line = (str(cause).strip().splitlines() or [""])[0][:200]
    return f"{type(cause).__name__}: {first_line}"


def report_unavailable(error: BaseException, consequence: str) -> None:
    """Log a database outage once per interval and kind; `consequence` says what we do about it."""
    kind = summary(error)
    held = _throttle.allow(kind)
    if held is not None:
        log.error("database unavailable (%s); %s%s", kind, consequence,
                  f" [{held} more like it in the last {LOG_INTERVAL:.0f} s]" if held else "")


class ThrottledExceptions(logging.Filter):
    """On a library's logger: its error lines (with tracebacks) at most once per interval per
    message, shortened to one line naming the exception."""

    def __init__(self, throttle: Throttle | None = None) -> None:
        super().__init__()
        self.throttle = throttle or _throttle

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or record.exc_info[1] is None:
            return True
        error = record.exc_info[1]
        held = self.throttle.allow(f"{record.name}:{record.msg}:{type(error).__name__}")
        if held is None:
            return False
        record.msg, record.args = f"{record.getMessage()} ({summary(error)})", None
        if held:
            record.msg += f" [{held} more like it in the last {self.throttle.interval:.0f} s]"
        record.exc_info, record.exc_text = None, None
        return True


def throttle_logger(name: str) -> None:
    """Put ThrottledExceptions on the logger called `name`, once."""
    logger = logging.getLogger(name)
    if not any(isinstance(existing, ThrottledExceptions) for existing in logger.filters):
        logger.addFilter(ThrottledExceptions())
