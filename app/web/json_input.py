"""The one way views read a JSON request body: an object, or 400 M_NOT_JSON.

Strict RFC 8259: UTF-8 only, no NaN or Infinity, no number that overflows a float, and a nesting
depth bomb (`[` x 100000) is a 400 rather than a RecursionError. The body is read through the
request's size limit (app/web/bodies.py), so this never holds more than that in memory.
"""
from __future__ import annotations

import json
import math

from app.exceptions import InvalidInput
from app.web.bodies import read_body

NOT_AN_OBJECT = "The request body must be a JSON object."


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_json_object(raw: bytes) -> dict:
    """`raw` as a JSON object; InvalidInput (M_NOT_JSON) for anything else."""
    try:
        data = json.loads(raw.decode("utf-8"), parse_float=_finite_float, parse_constant=_no_constants)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise InvalidInput(NOT_AN_OBJECT, errcode="M_NOT_JSON") from None
    if not isinstance(data, dict):
        raise InvalidInput(NOT_AN_OBJECT, errcode="M_NOT_JSON")
    return data


def json_object() -> dict:
    """The request body as a JSON object, whatever its Content-Type (clients vary)."""
    return parse_json_object(read_body())
