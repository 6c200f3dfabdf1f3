"""gunicorn settings, after Heroku's sample: PORT and WEB_CONCURRENCY from the environment."""
import os

_port = os.environ.get("PORT", "5000")
# Heroku (DYNO set) needs every interface; elsewhere listen on loopback unless BIND says otherwise,
# so a local `make run` is not exposed to the network by accident.
bind = os.environ.get("BIND") or (f"[::]:{_port}" if os.environ.get("DYNO") else f"127.0.0.1:{_port}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "5"))
timeout = 20
graceful_timeout = 20
keepalive = 95  # longer than the router's idle keep-alive
accesslog = "-"
# The picker URL carries scalar_token: log the path, never the query string.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
