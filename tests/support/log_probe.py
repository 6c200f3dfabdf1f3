"""A WSGI probe for tests/test_gunicorn_ops.py: the app, plus one app log line per request that
carries the request's query string, as an app module logging a URL would."""
from __future__ import annotations

import logging

from app import create_app

app_under_test = create_app()
log = logging.getLogger("app.probe")


def app(environ, start_response):
    log.warning("probe saw %s?%s", environ.get("PATH_INFO"), environ.get("QUERY_STRING"))
    return app_under_test(environ, start_response)
