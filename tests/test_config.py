"""Configuration: defaults, then instance/config.py, then the environment; production fails fast."""
from __future__ import annotations

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
    clean_env.setenv("SECRET_KEY", "a-real-secret")
    load_config(bare_app(tmp_path / "env"))
    clean_env.delenv("SECRET_KEY")
    load_config(bare_app(tmp_path / "file", SECRET_KEY="another-real-secret"))


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


def test_production_with_stripe_refuses_a_non_https_public_url(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", "a-real-secret")
    clean_env.setenv("STRIPE_SECRET_KEY", "sk_live_x")
    clean_env.setenv("STRIPE_WEBHOOK_SECRET", "whsec_x")
    with pytest.raises(RuntimeError, match="PUBLIC_URL is not an https:// URL"):
        load_config(bare_app(tmp_path / "a"))
    clean_env.setenv("PUBLIC_URL", "https://stickers.example.org")
    load_config(bare_app(tmp_path / "b"))


def test_the_default_public_url_follows_port(clean_env, tmp_path):
    clean_env.setenv("HEXPACK_DEV", "1")
    clean_env.setenv("PORT", "8123")
    app = bare_app(tmp_path / "instance")
    load_config(app)
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:8123"
