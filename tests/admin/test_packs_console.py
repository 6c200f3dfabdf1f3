"""/admin/packs: the table of every pack and its forms (CSRF, redirect after post, flash messages)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Pack
from tests.admin.conftest import ROOT
from tests.factories import grant, imported_pack, pack_row, price, signed_in_user
from tests.support.web import sign_in_web


@pytest.fixture
def packs_(app, tmp_path):
    return {"cats": imported_pack(tmp_path / "cats", "cats", count=2),
            "gold": imported_pack(tmp_path / "gold", "gold", count=3, colour=(250, 200, 0), price=price(499)),
            "old": imported_pack(tmp_path / "old", "old", count=1, status="removed")}


@pytest.fixture
def csrf(client):
    return sign_in_web(client, ROOT)


def status_of(slug: str) -> str:
    return db.session.scalar(select(Pack.status).where(Pack.slug == slug))


def flashes(response) -> list[str]:
    return re.findall(r'<p class="flash flash-(\w+)">([^<]*)</p>', response.get_data(as_text=True))


def test_the_list_shows_every_pack_in_every_status_with_counts(client, csrf, packs_):
    grant(signed_in_user("@alice:example.org").user, packs_["gold"], "purchase")
    html = client.get("/admin/packs").get_data(as_text=True)
    assert [slug for slug in re.findall(r'<tr id="pack-([a-z0-9-]+)"', html)] == ["cats", "gold", "old"]
    assert 'status-badge status-removed">removed' in html and "$4.99" in html and "Free" in html
    gold_row = html[html.index('id="pack-gold"'):html.index('id="pack-old"')]
    assert re.findall(r'<td class="num">(\d+)</td>', gold_row) == ["3", "1", "0"]  # stickers, owners, sales
    assert 'aria-current="page">Packs' in html


def test_the_empty_state_says_how_to_add_a_pack(client, csrf):
    html = client.get("/admin/packs").get_data(as_text=True)
    assert "No packs yet" in html and "packs import" in html


def test_hide_publish_and_remove_redirect_back_with_a_message(client, csrf, packs_):
    response = client.post("/admin/packs/gold/status", data={"status": "hidden", "csrf_token": csrf})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/packs#pack-gold")
    assert status_of("gold") == "hidden"
    assert flashes(client.get("/admin/packs")) == [("success", "Gold is hidden: not listed; owners keep it in "
                                                                "their pickers.")]
    client.post("/admin/packs/old/status", data={"status": "published", "csrf_token": csrf})
    assert status_of("old") == "published"
    line = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pack.status")).first()
    assert (line.actor, line.target) == (ROOT, "pack:gold")


def test_a_form_without_csrf_changes_nothing(client, csrf, packs_):
    response = client.post("/admin/packs/gold/status", data={"status": "hidden"})
    assert response.status_code == 400
    assert status_of("gold") == "published"


def test_price_is_typed_in_the_currency_and_bad_prices_are_flashed(client, csrf, packs_):
    client.post("/admin/packs/gold/price", data={"price": "2.50", "csrf_token": csrf})
    assert db.session.scalar(select(Pack.price_amount).where(Pack.slug == "gold")) == 250
    assert flashes(client.get("/admin/packs")) == [("success", "Gold now costs $2.50.")]
    for bad, message in (("0.25", "smallest charge"), ("2.505", "2 decimal places"), ("abc", "such as 4.99")):
        client.post("/admin/packs/gold/price", data={"price": bad, "csrf_token": csrf})
        [(category, text)] = flashes(client.get("/admin/packs"))
        assert category == "error" and message in text
    assert db.session.scalar(select(Pack.price_amount).where(Pack.slug == "gold")) == 250
    client.post("/admin/packs/gold/price", data={"price": "0", "csrf_token": csrf})
    assert db.session.scalar(select(Pack.price_amount).where(Pack.slug == "gold")) == 0


def test_a_yen_price_has_no_decimals(client, csrf, app):
    pack_row("yen", price=500, currency="jpy")
    html = client.get("/admin/packs").get_data(as_text=True)
    assert 'step="1" value="500"' in html
    client.post("/admin/packs/yen/price", data={"price": "800", "csrf_token": csrf})
    assert db.session.scalar(select(Pack.price_amount).where(Pack.slug == "yen")) == 800


def test_move_up_down_and_to_a_position(client, csrf, packs_):
    client.post("/admin/packs/old/position", data={"position": "1", "csrf_token": csrf})
    order = lambda: db.session.scalars(select(Pack.slug).order_by(Pack.position, Pack.id)).all()  # noqa: E731
    assert order() == ["old", "cats", "gold"]
    html = client.get("/admin/packs").get_data(as_text=True)
    assert 'aria-label="Move Old up" disabled' in html and 'aria-label="Gold down" disabled' not in html
    client.post("/admin/packs/old/position", data={"position": "x", "csrf_token": csrf})
    assert flashes(client.get("/admin/packs"))[0][0] == "error"
    assert order() == ["old", "cats", "gold"]


def test_delete_asks_first_then_deletes(client, csrf, packs_):
    confirm = client.get("/admin/packs/cats/delete").get_data(as_text=True)
    assert "Delete Cats?" in confirm and "cannot be undone" in confirm and "csrf_token" in confirm
    response = client.post("/admin/packs/cats/delete", data={"csrf_token": csrf})
    assert response.status_code == 302
    assert status_of("cats") is None
    assert flashes(client.get("/admin/packs")) == [("success", "Deleted cats, with its stickers.")]


def test_deleting_an_owned_pack_flashes_hide_it_instead(client, csrf, packs_):
    grant(signed_in_user("@alice:example.org").user, packs_["gold"], "purchase")
    confirm = client.get("/admin/packs/gold/delete").get_data(as_text=True)
    assert "hide it instead" in confirm and "Hide Gold</button>" in confirm and "Delete Gold</button>" not in confirm
    client.post("/admin/packs/gold/delete", data={"csrf_token": csrf})
    [(category, text)] = flashes(client.get("/admin/packs"))
    assert category == "error" and "hide it instead" in text
    assert status_of("gold") == "published"


def test_non_admins_and_anonymous_visitors_cannot_use_the_screen(client, packs_):
    assert client.get("/admin/packs").status_code == 302  # to sign-in
    assert client.post("/admin/packs/gold/status", data={"status": "hidden"}).status_code in (302, 400)
    csrf = sign_in_web(client, "@bob:example.org")
    assert client.get("/admin/packs").status_code == 403
    assert client.post("/admin/packs/gold/status", data={"status": "hidden", "csrf_token": csrf}).status_code == 403
    assert client.post("/admin/packs/gold/delete", data={"csrf_token": csrf}).status_code == 403
    assert status_of("gold") == "published"
