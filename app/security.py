"""Response headers from the blueprint's trust policy: framing, CORS, caching, and the usual hardening;
HSTS on every response of an https deployment."""
from flask import current_app

from app.assets import inline_style_sources
from app.web.policy import Cors, current_policy, policy_blueprints


def register_security_headers(app) -> None:
    policy_blueprints(app)  # fail at start-up, not on a request, if a blueprint lacks a policy

    @app.after_request
    def add_headers(response):
        policy = current_policy()
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if "Content-Security-Policy" not in headers:
            _framing(headers, policy.frameable)
        if policy.cors is not None:
            _cors(headers, policy.cors)
        if policy.cache_control and "Cache-Control" not in headers:
            headers["Cache-Control"] = policy.cache_control
        return response


def _framing(headers, frameable: bool) -> None:
    if frameable:
        ancestors = current_app.config["WIDGET_FRAME_ANCESTORS"]
        # No X-Frame-Options here: it has no allow-list and would blank the picker.
        headers["Content-Security-Policy"] = (
            f"default-src 'self'; img-src 'self' data: https:; style-src 'self' {inline_style_sources()}; "
            f"script-src 'self'; connect-src 'self'; frame-ancestors {ancestors}; base-uri 'none'"
        )
    else:
        headers["Content-Security-Policy"] = "frame-ancestors 'none'"
        headers.setdefault("X-Frame-Options", "DENY")


def _cors(headers, cors: Cors) -> None:
    headers["Access-Control-Allow-Origin"] = "*"
    if cors.allow_methods:
        headers["Access-Control-Allow-Methods"] = cors.allow_methods
    if cors.allow_headers:
        headers["Access-Control-Allow-Headers"] = cors.allow_headers
    if cors.max_age is not None:
        headers["Access-Control-Max-Age"] = str(cors.max_age)


# One year, the minimum for browsers' preload lists. No includeSubDomains: PUBLIC_URL may be the
# operator's apex domain, whose other hosts we cannot vouch for; a proxy in front may add it.
HSTS = "max-age=31536000"


def strict_transport(wsgi_app, public_url: str):
    """WSGI middleware adding Strict-Transport-Security to every answer (static files and errors
    included) when PUBLIC_URL is https; an http deployment (local run) must never send it."""
    if not public_url.startswith("https://"):
        return wsgi_app

    def with_hsts(environ, start_response):
        def start(status, headers, exc_info=None):
            if not any(name.lower() == "strict-transport-security" for name, _value in headers):
                headers = [*headers, ("Strict-Transport-Security", HSTS)]
            return start_response(status, headers, exc_info)

        return wsgi_app(environ, start)

    with_hsts.wsgi_app = wsgi_app  # the layer under it, as other middleware name it
    return with_hsts
