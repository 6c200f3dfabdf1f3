"""gunicorn settings, after Heroku's sample: PORT and WEB_CONCURRENCY from the environment."""
import logging
import os
import re

from gunicorn.glogging import Logger

# Heroku routes to [::]:$PORT; elsewhere listen on loopback unless HOST says otherwise
# (HOST=0.0.0.0 in a container, or keep 127.0.0.1 behind a reverse proxy on the same box).
_host = "[::]" if os.environ.get("DYNO") else os.environ.get("HOST", "127.0.0.1")
bind = [f"{_host}:{os.environ.get('PORT', '5000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gevent: a connection costs a greenlet, not a thread, so idle and slow (slowloris) clients
# cannot take every worker slot the way they take gthread's threads (README, "Operations").
# gunicorn patches the standard library before it loads the app, so psycopg picks its
# gevent-cooperative wait function and requests/stripe/SQLAlchemy block only their greenlet.
worker_class = "gevent"
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
timeout = 20
graceful_timeout = 20
keepalive = 95  # longer than the router's idle keep-alive
accesslog = "-"
# The picker URL carries scalar_token: log the path, never the query string.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# gunicorn's control socket defaults to one path per user ($XDG_RUNTIME_DIR or ~/.gunicorn),
# so a second instance on the host would take it over and stopping either removes it. None by
# default; GUNICORN_CONTROL_SOCKET gives this instance its own path (for gunicornc).
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

_QUERY = re.compile(r"\?[^\s'\"]*")
_TOKEN_PARAM = re.compile(r"(?i)([\w.-]*token[\w.-]*)=[^&\s'\"]*")


def redact(text: str) -> str:
    """Drop query strings and token parameters; escape bytes a terminal or log parser would misread."""
    text = _TOKEN_PARAM.sub(r"\1=[redacted]", _QUERY.sub("?[redacted]", text))
    return text.encode("ascii", "backslashreplace").decode("ascii")


class RedactQueryStrings(logging.Filter):
    """A handler filter: every line through it, traceback included, loses its query strings."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RedactingLogger(Logger):
    """gunicorn's logger whose error and access lines pass through RedactQueryStrings.

    gunicorn logs an invalid request line whole ("Invalid request from ip=...: GET /...?scalar_token=...").
    """

    def setup(self, cfg):
        super().setup(cfg)
        redact_handlers(self.error_log, self.access_log, logging.getLogger())


logger_class = RedactingLogger


def redact_handlers(*loggers: logging.Logger) -> None:
    """Put RedactQueryStrings on every handler of these loggers (once)."""
    for log in loggers:
        for handler in log.handlers:
            _redact(handler)


def _redact(handler: logging.Handler) -> None:
    if not any(isinstance(f, RedactQueryStrings) for f in handler.filters):
        handler.addFilter(RedactQueryStrings())


def post_worker_init(worker):
    """The app's own log lines get the same filter: create_app, run in each worker, adds a handler
    to the root logger, and Flask's default handler serves an app logger that has none."""
    from flask.logging import default_handler

    redact_handlers(logging.getLogger())
    _redact(default_handler)
