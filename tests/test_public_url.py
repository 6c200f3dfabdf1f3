"""PUBLIC_URL: required outside local development, and a loopback one never reaches another host's users."""
from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import quote

import pytest

from app.config import is_loopback_url
from app.extensions import db
from app.integrations import terms
from app.models import TermsAcceptance
from devtools.net import free_port
from tests.factories import imported_pack, signed_in_user

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")
IM_TERMS = "/_matrix/integrations/v1/terms"


def start_gunicorn(tmp_path, **env) -> subprocess.CompletedProcess:
    """The shipped server start; returns when it exits (a refused start exits by itself)."""
    base = {key: value for key, value in os.environ.items() if key not in ("PUBLIC_URL", "HEXPACK_DEV")}
    base.update(PORT=str(free_port()), HOST="127.0.0.1", HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path),
                DATABASE_URL=f"sqlite:///{tmp_path}/hexpack.sqlite3", SECRET_KEY="a-real-secret",
                STRIPE_SECRET_KEY="", WEB_CONCURRENCY="1", **env)
    return subprocess.run([GUNICORN, "--config", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=60)


def test_a_production_start_without_public_url_is_refused_with_what_to_set(tmp_path):
    finished = start_gunicorn(tmp_path)
    assert finished.returncode != 0
    output = finished.stdout + finished.stderr
    assert "PUBLIC_URL is not set" in output
    assert "PUBLIC_URL=https://stickers.example.org" in output


@pytest.mark.parametrize("url, loopback", [
    ("http://127.0.0.1:5000", True), ("http://localhost", True), ("http://[::1]:8000/", True),
    ("http://127.1.2.3", True), ("https://stickers.example.org", False), ("http://192.168.1.5:5000", False),
])
def test_loopback_urls_are_recognised(url, loopback):
    assert is_loopback_url(url) is loopback


def test_terms_urls_on_loopback_are_served_to_this_machine_only(client):
    local = client.get(IM_TERMS)
    assert local.status_code == 200
    assert local.get_json()["policies"]["terms_of_service"]["en"]["url"].startswith("http://127.0.0.1/terms/")

    remote = client.get(IM_TERMS, headers={"Host": "stickers.example.org"})
    assert remote.status_code == 503
    body = remote.get_json()
    assert body["errcode"] == "ORG.HEXPACK.PUBLIC_URL_NOT_SET"
    assert "PUBLIC_URL=https://stickers.example.org" in body["error"]
    assert "/terms/" not in remote.get_data(as_text=True)


def test_the_manager_never_offers_a_loopback_picker_url_to_another_host(client, app):
    alice = signed_in_user("@alice:example.org", kind="im")
    for policy in terms.POLICIES:
        db.session.add(TermsAcceptance(user_id=alice.user.id, policy=policy.key, version=policy.version))
    db.session.commit()
    url = f"/manager?scalar_token={quote(alice.token)}"

    remote = client.get(url, headers={"Host": "stickers.example.org"})
    assert remote.status_code == 503
    html = remote.get_data(as_text=True)
    assert "data-picker-url" not in html and "/api/widgets/stickerpicker" not in html
    assert "PUBLIC_URL" in html

    local = client.get(url, headers={"Host": "localhost:5000"})
    assert local.status_code == 200
    assert 'data-picker-url="http://127.0.0.1/api/widgets/stickerpicker' in local.get_data(as_text=True)


def test_a_real_public_url_is_used_whatever_host_is_asked_for(app, client):
    app.config["PUBLIC_URL"] = "https://stickers.example.org/"
    answer = client.get(IM_TERMS, headers={"Host": "evil.example"})
    assert answer.status_code == 200
    assert answer.get_json()["policies"]["terms_of_service"]["en"]["url"].startswith("https://stickers.example.org/terms/")


def test_the_store_pages_offer_no_loopback_snippet_to_another_host(client, tmp_path):
    imported_pack(tmp_path / "blobs", "blobs", count=1)
    for path in ("/packs", "/packs/blobs"):
        remote = client.get(path, headers={"Host": "stickers.example.org"})
        assert remote.status_code == 200  # the store itself still works
        html = remote.get_data(as_text=True)
        assert "/api/widgets/stickerpicker" not in html and "PUBLIC_URL" in html
        local = client.get(path).get_data(as_text=True)
        assert "http://127.0.0.1/api/widgets/stickerpicker?theme=" in local
