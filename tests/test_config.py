"""Configuration: defaults, then instance/config.py, then the environment; production fails fast."""
from __future__ import annotations

import logging
import os

import pytest
from flask import Flask

from app.config import DEV_SECRET_KEY, ENV_SETTINGS, load_config, normalise_database_url


@pytest.fixture
def clean_env(monkeypatch):
    """No Hexpack setting from the developer's shell leaks into these tests."""
    for name in [*ENV_SETTINGS, "HEXPACK_DEV"]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def bare_app(instance_path, **config_file) -> Flask:
    """A Flask app like the factory's, with its instance folder at `instance_path`."""
    instance_path.mkdir(exist_ok=True)
    if config_file:
        lines = [f"{key} = {value!r}" for key, value in config_file.items()]
        (instance_path / "config.py").write_text("\n".join(lines) + "\n")
    return Flask("app", instance_path=str(instance_path), instance_relative_config=True)


@pytest.mark.parametrize("url, expected", [
    ("postgres://u:p@db.example:5432/hex", "postgresql+psycopg://u:p@db.example:5432/hex"),
    ("postgresql://u@localhost/hex", "postgresql+psycopg://u@localhost/hex"),
    ("postgresql+psycopg://u@localhost/hex", "postgresql+psycopg://u@localhost/hex"),
    ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
])
def test_database_url_gets_an_explicit_driver(url, expected):
    assert normalise_database_url(url) == expected


def test_defaults_suit_a_local_run(clean_env, tmp_path):
    clean_env.setenv("HEXPACK_DEV", "1")
    app = bare_app(tmp_path / "instance")
    load_config(app)
    assert app.config["DATABASE_URL"] == "sqlite:///" + str(tmp_path / "instance" / "hexpack.sqlite3")
    assert app.config["MEDIA_CACHE_DIR"] == str(tmp_path / "instance" / "media")
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is False  # plain-http PUBLIC_URL
    assert app.config["WIDGET_FRAME_ANCESTORS"] == "* vector:"


def test_instance_file_overrides_defaults_and_environment_overrides_both(clean_env, tmp_path):
    app = bare_app(tmp_path / "instance", SECRET_KEY="from-file", PUBLIC_URL="https://file.example",
                   MEDIA_BASE_URL="https://cdn-from-file.example")
    clean_env.setenv("SECRET_KEY", "from-env")
    clean_env.setenv("DATABASE_URL", "postgres://hex@db.example/hex")
    clean_env.setenv("PROXY_FIX_HOPS", "1")
    clean_env.setenv("STRIPE_ALLOW_PROMOTION_CODES", "yes")
    clean_env.setenv("MAX_IMAGE_BYTES", "1000000")
    clean_env.setenv("MEDIA_BASE_URL", "")  # empty means "not set"

    load_config(app)

    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["PUBLIC_URL"] == "https://file.example"
    assert app.config["MEDIA_BASE_URL"] == "https://cdn-from-file.example"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://hex@db.example/hex"
    assert app.config["PROXY_FIX_HOPS"] == 1
    assert app.config["STRIPE_ALLOW_PROMOTION_CODES"] is True
    assert app.config["MAX_IMAGE_BYTES"] == 1_000_000
    assert app.config["SESSION_COOKIE_SECURE"] is True  # https PUBLIC_URL


def test_a_test_mapping_ignores_the_instance_file_and_the_environment(clean_env, tmp_path):
    app = bare_app(tmp_path / "instance", PUBLIC_URL="https://file.example")
    clean_env.setenv("DATABASE_URL", "postgres://must-not-be-used/hex")

    load_config(app, {"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": "sqlite://"})

    assert app.config["DATABASE_URL"] == "sqlite://"
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:5000"


def test_production_refuses_the_default_secret_key(clean_env, tmp_path):
    app = bare_app(tmp_path / "instance")
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        load_config(app)


def test_production_starts_with_a_secret_key_from_the_environment_or_file(clean_env, tmp_path):
    clean_env.setenv("PUBLIC_URL", "https://stickers.example.org")
    clean_env.setenv("SECRET_KEY", "a-real-secret")
    load_config(bare_app(tmp_path / "env"))
    clean_env.delenv("SECRET_KEY")
    load_config(bare_app(tmp_path / "file", SECRET_KEY="another-real-secret"))


def test_production_refuses_to_start_without_public_url(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", "a-real-secret")
    with pytest.raises(RuntimeError, match="PUBLIC_URL is not set.*PUBLIC_URL=https://stickers.example.org"):
        load_config(bare_app(tmp_path / "production"))
    clean_env.setenv("PORT", "8123")
    clean_env.setenv("HEXPACK_DEV", "1")
    app = bare_app(tmp_path / "development")
    load_config(app)
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:8123"


def test_every_environment_setting_has_a_default(clean_env, tmp_path):
    clean_env.setenv("HEXPACK_DEV", "1")
    app = bare_app(tmp_path / "instance")
    load_config(app)
    assert set(ENV_SETTINGS) <= set(app.config)


def test_the_readme_documents_every_setting():
    with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    server = ["PORT", "HOST", "WEB_CONCURRENCY", "GUNICORN_THREADS", "FORWARDED_ALLOW_IPS"]
    missing = [name for name in [*ENV_SETTINGS, *server] if f"| `{name}` |" not in readme]
    assert not missing, f"README.md 'Configuration' lacks {missing}"


def stripe_env(env, key: str, *, dev: bool = False, secret_key: str | None = "a-real-secret"):
    if secret_key:
        env.setenv("SECRET_KEY", secret_key)
    env.setenv("STRIPE_SECRET_KEY", key)
    env.setenv("STRIPE_WEBHOOK_SECRET", "whsec_x")
    if dev:
        env.setenv("HEXPACK_DEV", "1")


@pytest.mark.parametrize("key", ["sk_live_x", "rk_live_x"])
@pytest.mark.parametrize("dev", [False, True])
def test_a_live_key_refuses_a_non_https_public_url_even_in_development(clean_env, tmp_path, key, dev):
    stripe_env(clean_env, key, dev=dev)
    clean_env.setenv("PUBLIC_URL", "http://stickers.example.org")
    with pytest.raises(RuntimeError, match="live key but PUBLIC_URL is not an https:// URL.*"
                                           "PUBLIC_URL=https://stickers.example.org"):
        load_config(bare_app(tmp_path / "a"))
    clean_env.setenv("PUBLIC_URL", "https://stickers.example.org")
    load_config(bare_app(tmp_path / "b"))


@pytest.mark.parametrize("dev", [False, True])
def test_a_test_key_on_plain_http_starts_with_one_warning(clean_env, tmp_path, caplog, dev):
    stripe_env(clean_env, "sk_test_x", dev=dev)
    if not dev:  # production needs PUBLIC_URL; development defaults to this one
        clean_env.setenv("PUBLIC_URL", "http://127.0.0.1:5000")
    with caplog.at_level(logging.WARNING, logger="app.config"):
        app = bare_app(tmp_path / "instance")
        load_config(app)
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "Stripe test mode on a plain-http PUBLIC_URL" in warnings[0].getMessage()
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:5000"


def test_a_test_key_on_https_starts_without_a_warning(clean_env, tmp_path, caplog):
    stripe_env(clean_env, "sk_test_x")
    clean_env.setenv("PUBLIC_URL", "https://stickers.example.org")
    with caplog.at_level(logging.WARNING, logger="app.config"):
        load_config(bare_app(tmp_path / "instance"))
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_the_dev_secret_key_only_with_hexpack_dev(clean_env, tmp_path):
    with pytest.raises(RuntimeError, match="HEXPACK_DEV=1 allows the built-in key"):
        load_config(bare_app(tmp_path / "a"))
    clean_env.setenv("HEXPACK_DEV", "1")
    load_config(bare_app(tmp_path / "b"))
    clean_env.setenv("HEXPACK_DEV", "0")
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        load_config(bare_app(tmp_path / "c"))


def test_hexpack_dev_never_allows_the_dev_secret_key_with_a_live_key(clean_env, tmp_path):
    stripe_env(clean_env, "sk_live_x", dev=True, secret_key=None)
    clean_env.setenv("PUBLIC_URL", "https://stickers.example.org")
    with pytest.raises(RuntimeError, match="a live Stripe key never runs with the built-in one.*"
                                           r"SECRET_KEY=\$\(python"):
        load_config(bare_app(tmp_path / "instance"))


def test_hexpack_dev_allows_the_dev_secret_key_with_a_test_key_on_http(clean_env, tmp_path):
    stripe_env(clean_env, "sk_test_x", dev=True, secret_key=None)
    app = bare_app(tmp_path / "instance")
    load_config(app)
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY


@pytest.mark.parametrize("dev", [False, True])
def test_a_stripe_key_needs_a_webhook_secret_even_in_development(clean_env, tmp_path, dev):
    stripe_env(clean_env, "sk_test_x", dev=dev)
    clean_env.setenv("PUBLIC_URL", "http://stickers.example.org")
    clean_env.delenv("STRIPE_WEBHOOK_SECRET")
    with pytest.raises(RuntimeError, match="set STRIPE_WEBHOOK_SECRET to its signing secret"):
        load_config(bare_app(tmp_path / "instance"))


def test_the_default_public_url_follows_port(clean_env, tmp_path):
    clean_env.setenv("HEXPACK_DEV", "1")
    clean_env.setenv("PORT", "8123")
    app = bare_app(tmp_path / "instance")
    load_config(app)
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:8123"


def test_pool_settings_apply_to_postgresql_only(clean_env, tmp_path):
    clean_env.setenv("HEXPACK_DEV", "1")
    clean_env.setenv("DB_POOL_SIZE", "3")
    clean_env.setenv("DATABASE_URL", "postgresql://u@127.0.0.1/hex")
    postgresql = bare_app(tmp_path / "pg")
    load_config(postgresql)
    options = postgresql.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (options["pool_size"], options["max_overflow"], options["pool_timeout"]) == (3, 4, 10)
    clean_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    sqlite = bare_app(tmp_path / "sqlite")
    load_config(sqlite)
    assert not {"pool_size", "max_overflow", "pool_timeout"} & set(sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"])
