"""Work started in a background thread right after a commit that queued it (the bot's outbox,
pack exports): one run at a time per job, app and process; a commit during a run asks for one
more run, so nothing queued waits for the next commit. A failed run loses nothing: the rows stay
due for the next run (or for the job's CLI command run by cron)."""
from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)


class AfterCommitRunner:
    def __init__(self, name: str, work: Callable[[], object], *, what: str,
                 expected: tuple[type[Exception], ...] = ()):
        """`work` runs in an app context; `expected` errors (they carry a `.message`) are logged as
        a warning that `what` stays queued, any other as an exception."""
        self.name, self.work, self.what, self.expected = name, work, what, expected
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.again = False

    def start(self, app) -> None:
        with self.lock:
            if self.thread is not None:
                self.again = True
                return
            self.thread = threading.Thread(target=self._run, args=(app,), name=self.name)
        self.thread.start()

    def wait(self, timeout: float) -> None:
        """Block until the run in progress (if any) has finished."""
        thread = self.thread
        if thread is not None:
            thread.join(timeout)

    def _run(self, app) -> None:
        while True:
            try:
                with app.app_context():
                    self.work()
            except self.expected as error:
                log.warning("%s stay queued: %s", self.what, getattr(error, "message", error))
            except Exception:  # never lost: the rows stay due for the next run
                log.exception("%s: background run failed", self.name)
            with self.lock:
                if not self.again:
                    self.thread = None
                    return
                self.again = False
