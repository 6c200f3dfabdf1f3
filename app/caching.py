"""Every in-process cache of an app in one registry: one call clears them all.

Caches live on the app (`app.extensions["hexpack.caches"]`), not in module globals, so two
apps in one process (the tests make many) never share an entry. They stay per process on
purpose: each worker keeps its own, and what they hold is either keyed by a revision (never
read stale) or short-lived (see each cache's comment). Caches marked `catalogue` hold what is
built from packs and stickers: app/packs/generation.py empties them when the database's
catalogue generation moves (another worker or instance changed a pack).
"""
from __future__ import annotations

from typing import Any, Callable

from flask import Flask, current_app, has_app_context
from sqlalchemy import event

from app.extensions import db

EXTENSION_KEY = "hexpack.caches"


class CacheRegistry:
    """Named caches, created on first use; each is cleared through its `clear` callable."""

    def __init__(self) -> None:
        self._caches: dict[str, Any] = {}
        self._clearers: dict[str, Callable[[], None]] = {}
        self._forget_on_commit: list[Callable[[], None]] = []
        self._catalogue: list[Callable[[], None]] = []

    def get(self, name: str, factory: Callable[[], Any], *, clear: Callable[[Any], None] | None = None,
            forget_on_commit: bool = False, catalogue: bool = False) -> Any:
        """The cache called `name`, made by `factory()` the first time; `clear(cache)` empties it
        (default: its .clear()). With forget_on_commit, every commit in this app empties it; with
        catalogue, every move of the catalogue generation does."""
        cache = self._caches.get(name)
        if cache is None:
            cache = self._caches[name] = factory()
            self._clearers[name] = (lambda: clear(cache)) if clear else cache.clear
            if forget_on_commit:
                self._forget_on_commit.append(self._clearers[name])
            if catalogue:
                self._catalogue.append(self._clearers[name])
        return cache

    def clear(self) -> None:
        """Empty every cache (tests reuse ids after wiping tables; operators never need it)."""
        for clear in self._clearers.values():
            clear()

    def forget_after_commit(self) -> None:
        for clear in self._forget_on_commit:
            clear()

    def forget_catalogue(self) -> None:
        for clear in self._catalogue:
            clear()


def init_app(app: Flask) -> None:
    """Give the app its registry; hook commits once per database session factory, not at import."""
    app.extensions[EXTENSION_KEY] = CacheRegistry()
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)


def app_cache(name: str, factory: Callable[[], Any], **options) -> Any:
    """The current app's cache called `name` (see CacheRegistry.get)."""
    return current_app.extensions[EXTENSION_KEY].get(name, factory, **options)


def clear_caches(app: Flask) -> None:
    app.extensions[EXTENSION_KEY].clear()


def forget_catalogue_caches() -> None:
    """Empty the current app's caches marked `catalogue`."""
    current_app.extensions[EXTENSION_KEY].forget_catalogue()


def _after_commit(session) -> None:
    # A commit may publish, hide or change a pack: this process forgets at once.
    registry = current_app.extensions.get(EXTENSION_KEY) if has_app_context() else None
    if registry is not None:
        registry.forget_after_commit()
