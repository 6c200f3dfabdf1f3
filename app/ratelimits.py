"""Where rate-limit counters live: Redis (shared by every worker and instance) or this process.

RATELIMIT_STORAGE_URI wins when set; otherwise REDIS_URL (Heroku's convention for its Redis
add-on); otherwise memory://, where each worker counts alone and the real limit is the
setting times the number of workers (said once at start-up).

A Redis that does not answer at start-up stops the start with a clear message: a typo in the
URL should not run for weeks with limits silently off. Once running, a Redis outage lets
requests through unlimited (RATELIMIT_SWALLOW_ERRORS) rather than failing them, logged at
most once per interval (app.outage); Flask-Limiter goes back to Redis when it answers again.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask

from app.extensions import limiter
from app.outage import throttle_logger

log = logging.getLogger(__name__)
MEMORY = "memory://"


def storage_uri(config) -> str:
    return config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or MEMORY


def init_app(app: Flask) -> None:
    uri = app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app.config)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)
    throttle_logger("flask-limiter")
    if uri == MEMORY:
        log.info("rate limits are per process (memory storage): each worker counts alone; "
                 "set REDIS_URL to share them across workers and instances")
        return
    where = _without_credentials(uri)
    if not limiter.storage.check():
        raise RuntimeError(f"Rate-limit storage {where} does not answer. Start it, fix REDIS_URL / "
                           "RATELIMIT_STORAGE_URI, or unset both to count per process (memory://).")
    log.info("rate limits are shared through %s", where)


def _without_credentials(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.hostname or ''}{':%d' % parts.port if parts.port else ''}{parts.path}"
