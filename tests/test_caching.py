"""The cache registry: one per app, cleared with one call, commits hooked once per session factory."""
from __future__ import annotations

from app import caching, create_app
from app.extensions import db
from app.packs.catalogue import published_free_pack_keys


def test_two_apps_in_one_process_never_share_a_cache(app, app_config):
    other = create_app(app_config)
    app_cache = caching.app_cache("test.sample", dict)
    app_cache["key"] = "first app"
    with other.app_context():
        assert caching.app_cache("test.sample", dict) == {}
    assert caching.app_cache("test.sample", dict) == {"key": "first app"}


def test_one_call_clears_every_cache(app):
    sample = caching.app_cache("test.sample", dict)
    sample["key"] = "value"
    published_free_pack_keys()
    keys = caching.app_cache("packs.free_keys", lambda: None)
    assert keys.keys is not None

    caching.clear_caches(app)

    assert sample == {} and keys.keys is None


def test_a_commit_forgets_only_what_asked_for_it(app):
    sample = caching.app_cache("test.sample", dict)
    sample["key"] = "value"
    published_free_pack_keys()

    db.session.commit()

    assert caching.app_cache("packs.free_keys", lambda: None).keys is None
    assert sample == {"key": "value"}


def test_the_commit_hook_runs_once_per_commit_however_many_apps(app, app_config):
    for _ in range(3):
        create_app(app_config)
    clears = []
    caching.app_cache("test.counted", dict, clear=lambda cache: clears.append(1), forget_on_commit=True)

    db.session.commit()

    assert clears == [1]
