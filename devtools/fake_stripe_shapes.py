"""Stripe-shaped helpers the fake's two halves share: errors, form decoding, parameter checks, object pieces."""
from __future__ import annotations

import re
import secrets
from datetime import datetime

API_VERSION = "2026-10-28.endive"
ACCOUNT_INCLUDABLE = ("configuration.customer", "configuration.merchant", "configuration.recipient", "defaults",
                      "future_requirements", "identity", "requirements")
CAPABILITY_EVENT = "v2.core.account[configuration.recipient].capability_status_updated"
REQUIREMENTS_EVENT = "v2.core.account[requirements].updated"


class StripeFailure(Exception):
    """Raised inside a route to answer a Stripe-shaped error."""

    def __init__(self, status: int, type_: str, message: str, *, code: str | None = None,
                 param: str | None = None):
        super().__init__(message)
        self.status, self.body = status, {"error": {"type": type_, "message": message}}
        if code:
            self.body["error"]["code"] = code
        if param:
            self.body["error"]["param"] = param


def decode_form(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's bracket notation into nested dicts and lists (`a[b][0]=x`, `expand[]=y`)."""
    root: dict = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        path = [head] + (re.findall(r"\[([^\]]*)\]", "[" + rest) if rest else [])
        node = root
        for index, part in enumerate(path):
            if part == "":
                part = str(sum(1 for k in node if k.isdigit()))
            if index == len(path) - 1:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _listify(root)


def _listify(value):
    if isinstance(value, dict):
        if value and all(k.isdigit() for k in value):
            return [_listify(value[k]) for k in sorted(value, key=int)]
        return {k: _listify(v) for k, v in value.items()}
    return value


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


def int_param(value, param: str, *, minimum: int = 0) -> int:
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        number = int(value)
    else:
        raise StripeFailure(400, "invalid_request_error", f"Invalid integer: {value}", code="parameter_invalid_integer",
                            param=param)
    if number < minimum:
        raise StripeFailure(400, "invalid_request_error", f"This value must be greater than or equal to {minimum}.",
                            code="parameter_invalid_integer", param=param)
    return number


def required(params: dict, name: str, param: str | None = None):
    if params.get(name) in (None, ""):
        raise StripeFailure(400, "invalid_request_error", f"Missing required param: {param or name}.",
                            code="parameter_missing", param=param or name)
    return params[name]


def metadata_param(raw, param: str = "metadata") -> dict:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise StripeFailure(400, "invalid_request_error", "Invalid object", param=param)
    for key, value in raw.items():
        if len(key) > 40 or len(str(value)) > 500:
            raise StripeFailure(400, "invalid_request_error", "Metadata keys are limited to 40 characters and "
                                "values to 500 characters.", param=f"{param}[{key}]")
    return dict(raw)


def bool_param(value, param: str) -> bool:
    if value in (None, "", "false", False):
        return False
    if value in ("true", True):
        return True
    raise StripeFailure(400, "invalid_request_error", f"Invalid boolean: {value}", param=param)


def rfc3339(moment: datetime) -> str:
    """v2 timestamps: RFC 3339 strings with milliseconds, e.g. 2026-12-01T12:00:00.000Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def account_requirements(due) -> dict:
    """A v2 account's `requirements`: one entry per field Stripe still needs from the creator."""
    entries = [{"awaiting_action_from": "user", "description": name, "errors": [],
                "impact": {"restricts_capabilities": [{"capability": "stripe_transfers", "configuration": "recipient",
                                                       "deprecation_status": "currently_due"}]},
                "minimum_deadline": {"status": "currently_due"}, "reference": None,
                "requested_reasons": [{"code": "routine_onboarding"}]} for name in due]
    summary = {"minimum_deadline": {"status": "currently_due", "time": None}} if entries else None
    return {"entries": entries, "summary": summary}
