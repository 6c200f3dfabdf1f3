"""WSGI middleware: picker pages already rendered, answered before Flask with Flask's own headers.

Through Flask, an open of a cached picker page is mostly request context, routing, the rate
limiter's check, the session and the policy hooks. So the view (app.library.picker_views)
offers each page it answers (offer_page), and this layer keeps the status and headers Flask and
its hooks sent for that page and kind of answer (gzip, identity, 304: answer_kind). The headers
of a page are a function of its bytes (the ETag is their hash), so the next request for the same
page and kind gets the same bytes and the same headers from here.

- Anonymous opens: no database at all. The page is the one the view last answered for that
  theme, while its pack list is current (app.packs.catalogue.free_keys_fresh_until): one open a
  second per worker goes through Flask, which reads the catalogue and its generation, so a
  hidden or deleted pack is gone as soon as on the Flask path, and a database outage keeps the
  last good page as before. A commit in this process or a move of the generation forgets them
  (a `catalogue`, `forget_on_commit` cache, app.caching).
- Signed-in opens (a token, as app.auth.request reads it): in an app context, the view's own
  lookups (app.library.picker_views.cached_personal_page: the token, the picker's contents),
  answered here only when that page is cached and has been through Flask.
Flask answers the rest: a session cookie, a page not cached yet, an unknown or revoked token,
any database error (it then answers the outage), anything but GET and HEAD. The only query
parameters the page depends on are the theme (app.widget.page.requested_theme) and the token.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import parse_qsl

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_etags

from app.auth.request import token_from
from app.caching import EXTENSION_KEY
from app.widget.page import Page, requested_theme

PATH = "/api/widgets/stickerpicker"
_OFFER = "hexpack.widget.page"
_MAX_ANSWERS = 512


def answer_kind(environ, page: Page) -> str:
    """Which answer a request gets for this page; the view and this layer decide alike."""
    if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains(page.etag):
        return "304"
    return "gzip" if "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "") else "identity"


def offer_page(environ, *, page: Page, private: bool, theme: str = "", fresh_until: float = float("-inf")) -> None:
    """The view's answer: this layer may repeat it (an anonymous page until `fresh_until`, time.monotonic(),
    unless the pages are emptied before this request ends)."""
    epoch = _anonymous_pages(current_app.extensions[EXTENSION_KEY]).epoch
    environ[_OFFER] = (page, private, theme, fresh_until, epoch)


@dataclass(frozen=True)
class _Anonymous:
    page: Page
    fresh_until: float


class _AnonymousPages(dict):
    """Theme -> _Anonymous. Each emptying moves `epoch`: a page offered from before it is not kept."""

    epoch = 0

    def clear(self) -> None:
        super().clear()
        self.epoch += 1


def _anonymous_pages(registry) -> _AnonymousPages:
    return registry.get("widget.fast_anonymous", _AnonymousPages, catalogue=True, forget_on_commit=True)


class CachedPickerPages:
    def __init__(self, wsgi_app, flask_app, personal_page: Callable[[str, str], Page | None]):
        self.wsgi_app, self.flask_app, self.personal_page = wsgi_app, flask_app, personal_page
        self.registry = flask_app.extensions[EXTENSION_KEY]
        self.session_cookies = tuple(f"{name}=" for name in (
            flask_app.config["SESSION_COOKIE_NAME"], flask_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")))

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        asked = self._read(environ)
        if asked is None:
            return self.wsgi_app(environ, start_response)
        theme, token = asked
        anonymous = _anonymous_pages(self.registry)
        page = self._anonymous_page(anonymous, theme) if token is None else self._personal_page(token, theme)
        if page is not None:
            kind = answer_kind(environ, page)
            answer = self._answers().get((page.etag, kind, token is not None))
            if answer is not None:
                start_response(answer[0], list(answer[1]))
                if kind == "304" or environ["REQUEST_METHOD"] == "HEAD":
                    return []
                return [page.gzipped if kind == "gzip" else page.body]
        return self._through_flask(environ, start_response)

    def _read(self, environ) -> tuple[str, str | None] | None:
        """(theme, token) as the view reads them; None when a session cookie (or an odd query) is sent."""
        cookies = environ.get("HTTP_COOKIE", "")
        if cookies and any(name in cookies for name in self.session_cookies):
            return None
        query = environ.get("QUERY_STRING", "")
        if not query.isascii():
            return None
        args = MultiDict(parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote"))  # as werkzeug
        return requested_theme(args), token_from(environ.get("HTTP_AUTHORIZATION", ""), args)

    def _anonymous_page(self, anonymous: _AnonymousPages, theme: str) -> Page | None:
        entry = anonymous.get(theme)
        return entry.page if entry is not None and time.monotonic() < entry.fresh_until else None

    def _personal_page(self, token: str, theme: str) -> Page | None:
        with self.flask_app.app_context():
            try:
                return self.personal_page(token, theme)
            except SQLAlchemyError:
                return None  # Flask tries again and answers the error as it should

    def _through_flask(self, environ, start_response):
        sent = []

        def start(status, headers, exc_info=None):
            sent[:] = [status, list(headers)]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, start)
        offer = environ.get(_OFFER)
        if offer is not None and sent:
            self._remember(environ, offer, *sent)
        return body

    def _remember(self, environ, offer: tuple, status: str, headers: list) -> None:
        page, private, theme, fresh_until, epoch = offer
        kind = answer_kind(environ, page)
        if not status.startswith("304" if kind == "304" else "200"):
            return
        if any(name.lower() == "set-cookie" for name, _ in headers):
            return  # a cookie is for the one who was sent it: never repeated to anyone else
        answers = self._answers()
        if len(answers) >= _MAX_ANSWERS:
            answers.clear()
        answers[(page.etag, kind, private)] = (status, headers)
        anonymous = _anonymous_pages(self.registry)
        if not private and anonymous.epoch == epoch:  # not emptied since the view's offer
            anonymous[theme] = _Anonymous(page=page, fresh_until=fresh_until)

    def _answers(self) -> dict:
        # (page ETag, kind, private) -> (status, headers): a function of the page's bytes, never stale.
        return self.registry.get("widget.fast_answers", dict)
