"""gunicorn settings, after Heroku's sample: PORT and WEB_CONCURRENCY from the environment."""
import os

# Heroku routes to [::]:$PORT; elsewhere listen on loopback unless HOST says otherwise
# (HOST=0.0.0.0 in a container, or keep 127.0.0.1 behind a reverse proxy on the same box).
_host = "[::]" if os.environ.get("DYNO") else os.environ.get("HOST", "127.0.0.1")
bind = [f"{_host}:{os.environ.get('PORT', '5000')}"]
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
