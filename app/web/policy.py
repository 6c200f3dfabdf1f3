"""One trust policy per blueprint, declared where the blueprint is made.

A blueprint is a PolicyBlueprint; its TrustPolicy says whether forms need a CSRF token, whether
other origins may call it (CORS, on every answer including errors and preflights), whether its
pages may be framed, its default Cache-Control, and whether errors are JSON or HTML.
app/security.py and app/errors.py read the policy of the request's blueprint (current_policy());
requests that match no route get the policy of the blueprint that claims their path, else a
default by path (JSON under /api/, /_matrix/, /stripe/).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import RoutingException

from app.extensions import csrf


class ErrorFormat(enum.Enum):
    JSON = "json"  # always JSON: {"errcode": ..., "error": ...}
    HTML = "html"  # an HTML page, or JSON for a client that prefers it (Accept)


@dataclass(frozen=True)
class Cors:
    """Access-Control-* headers; Allow-Origin is always "*" (bearer tokens only, never cookies)."""

    allow_methods: str = ""
    allow_headers: str = ""
    max_age: int | None = None


@dataclass(frozen=True)
class TrustPolicy:
    errors: ErrorFormat
    csrf: bool = True  # False: authenticated by a bearer token or a signature, never by a cookie
    cors: Cors | None = None
    frameable: bool = False  # True: framed by WIDGET_FRAME_ANCESTORS; else frame-ancestors 'none' + DENY
    cache_control: str | None = None  # Cache-Control when the view set none


# Presets for the usual kinds of blueprint; declare a TrustPolicy of your own for anything else.
PAGE = TrustPolicy(errors=ErrorFormat.HTML)
WIDGET_PAGE = TrustPolicy(errors=ErrorFormat.HTML, frameable=True)
TOKEN_API = TrustPolicy(errors=ErrorFormat.JSON, csrf=False, cache_control="no-store")
JSON_DEFAULT = TrustPolicy(errors=ErrorFormat.JSON)
JSON_PREFIXES = ("/api/", "/_matrix/", "/stripe/")  # unclaimed paths here answer JSON errors


class PolicyBlueprint(Blueprint):
    """A Blueprint with its TrustPolicy. `claims`: path prefixes whose unrouted requests it answers."""

    def __init__(self, name: str, import_name: str, *, policy: TrustPolicy, claims: tuple[str, ...] = (),
                 **kwargs):
        super().__init__(name, import_name, **kwargs)
        self.policy = policy
        self.claims = claims
        if not policy.csrf:
            csrf.exempt(self)


def current_policy() -> TrustPolicy:
    """The policy of the blueprint serving this request (or that would, but for the method)."""
    blueprint = _blueprint_of(_endpoint())
    return blueprint.policy if blueprint is not None else default_policy(request.path)


def error_format() -> ErrorFormat:
    return current_policy().errors


def default_policy(path: str) -> TrustPolicy:
    """For a request no blueprint serves: the longest claim, else JSON under JSON_PREFIXES, else PAGE."""
    claims = [(len(prefix), blueprint.policy) for blueprint in policy_blueprints(current_app)
              for prefix in blueprint.claims if path.startswith(prefix)]
    if claims:
        return max(claims, key=lambda claim: claim[0])[1]
    return JSON_DEFAULT if path.startswith(JSON_PREFIXES) else PAGE


def policy_blueprints(app) -> list[PolicyBlueprint]:
    """Every registered blueprint; raises if one was made without a policy."""
    undeclared = [name for name, blueprint in app.blueprints.items() if not isinstance(blueprint, PolicyBlueprint)]
    if undeclared:
        raise RuntimeError(f"Blueprints without a trust policy: {undeclared}; make them with "
                           "app.web.policy.PolicyBlueprint(name, __name__, policy=...).")
    return list(app.blueprints.values())


def _endpoint() -> str | None:
    if request.url_rule is not None:
        return request.url_rule.endpoint
    error = request.routing_exception
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        # The path exists for another method: it belongs to that route's blueprint.
        try:
            rule, _args = current_app.create_url_adapter(request).match(
                method=sorted(error.valid_methods)[0], return_rule=True)
        except (HTTPException, RoutingException):
            return None
        return rule.endpoint
    return None


def _blueprint_of(endpoint: str | None) -> PolicyBlueprint | None:
    if not endpoint or "." not in endpoint:
        return None
    blueprint = current_app.blueprints.get(endpoint.rpartition(".")[0])
    return blueprint if isinstance(blueprint, PolicyBlueprint) else None
