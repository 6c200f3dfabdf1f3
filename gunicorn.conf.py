"""gunicorn settings, after Heroku's sample: PORT and WEB_CONCURRENCY from the environment."""
import os

bind = [f"[::]:{os.environ.get('PORT', '5000')}"] if os.environ.get("DYNO") else [f"0.0.0.0:{os.environ.get('PORT', '5000')}"]
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
