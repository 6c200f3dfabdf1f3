"""Request body limits: small everywhere, larger only where a route opts in.

MAX_BODY_BYTES (default 1 MiB) is Flask's MAX_CONTENT_LENGTH: every route's ceiling unless it
declares its own with @body_limit(n), smaller (the Stripe webhook) or larger (a future upload).
The limit is applied by the app's first before_request hook, before CSRF protection or a view
reads a byte: a Content-Length over it is answered 413 unread; a chunked body is read at most up
to the limit (werkzeug's LimitedStream) and answered 413 by read_body() when it reaches it, so no
worker holds more. (werkzeug alone would hand the view the first `limit` bytes without a word.)

A route whose declared limit is above the default (an upload) gets only the default until its
view has authenticated the caller and calls accept_upload(): anonymous clients can never make a
worker read more than MAX_BODY_BYTES. Uploads are read as multipart/form-data through
request.files, which werkzeug streams to a temporary file on disk past 500 KiB; never read
them whole with request.get_data().
"""
from __future__ import annotations

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge


def body_limit(max_bytes: int):
    """Decorator (under the route decorator): this route's largest request body, in bytes."""

    def decorate(view):
        view.body_limit = max_bytes
        return view

    return decorate


def declared_limit() -> int:
    """The matched route's @body_limit, else MAX_BODY_BYTES (also for requests no route matches)."""
    default = current_app.config["MAX_BODY_BYTES"]
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "body_limit", default)


def apply_body_limit() -> None:
    declared = declared_limit()
    if request.content_length is not None and request.content_length > declared:
        raise RequestEntityTooLarge(f"The request body is larger than this endpoint accepts ({declared} bytes).")
    request.max_content_length = min(declared, current_app.config["MAX_BODY_BYTES"])


def read_body() -> bytes:
    """The whole request body, within the limit: 413 when a body without Content-Length reaches it."""
    data = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(data) >= limit:
        raise RequestEntityTooLarge(f"The request body is larger than this endpoint accepts ({limit} bytes).")
    return data


def accept_upload() -> None:
    """In an upload view, after authentication: allow the route's full @body_limit from here on."""
    request.max_content_length = declared_limit()


def register_body_limits(app) -> None:
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    # First of all before_request hooks: CSRFProtect's reads request.form.
    app.before_request_funcs.setdefault(None, []).insert(0, apply_body_limit)
