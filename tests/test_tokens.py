"""Token lifetimes (idle and hard maximum), cheap last-used bookkeeping, and log out everywhere."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.auth.tokens import hash_token, issue_token
from app.extensions import db
from app.integrations.services import WIDGET_SESSION_TTL
from app.models import ApiToken, utcnow
from tests.factories import signed_in_user, user

ME = "/api/v1/me"
IM = "/_matrix/integrations/v1"


def row(token: str) -> ApiToken:
    db.session.expire_all()
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))


def age(token: str, **times) -> None:
    """Move a token's stored times into the past: created=, last_used= (timedeltas) or expires_at=."""
    values = {f"{name}_at": utcnow() - ago for name, ago in times.items() if name != "expires"}
    if "expires" in times:
        values["expires_at"] = times["expires"]
    db.session.execute(update(ApiToken).where(ApiToken.token_hash == hash_token(token)).values(**values))
    db.session.commit()


def assert_refused(client, person):
    response = client.get(ME, headers=person.headers)
    assert response.status_code == 401 and response.json["errcode"] == "M_UNKNOWN_TOKEN"


def test_tokens_are_issued_with_an_expiry(app):
    im = signed_in_user(kind="im").token
    widget = issue_token(user=user("@bob:example.org"), kind="widget", ttl=WIDGET_SESSION_TTL)  # as sign_in does
    for raw, lifetime in ((im, timedelta(days=365)), (widget, WIDGET_SESSION_TTL)):
        token = row(raw)
        assert token.expires_at is not None
        assert abs((token.expires_at - token.created_at) - lifetime) < timedelta(seconds=1)


@pytest.mark.parametrize("kind", ["im", "widget"])
def test_a_token_idle_for_90_days_is_refused(app, client, kind):
    person = signed_in_user(kind=kind)
    age(person.token, last_used=timedelta(days=89), created=timedelta(days=100), expires=None)
    assert client.get(ME, headers=person.headers).status_code == 200
    assert utcnow() - row(person.token).last_used_at.replace(tzinfo=utcnow().tzinfo) < timedelta(minutes=1)
    age(person.token, last_used=timedelta(days=90, minutes=1))
    assert_refused(client, person)


def test_a_token_in_use_still_dies_at_the_hard_maximum(app, client):
    person = signed_in_user(kind="im")
    # Issued before expiry existed (expires_at NULL), used an hour ago, a year and a day old.
    age(person.token, created=timedelta(days=366), last_used=timedelta(hours=1), expires=None)
    assert_refused(client, person)


def test_a_token_past_its_expires_at_is_refused(app, client):
    person = signed_in_user(kind="widget")
    age(person.token, expires=utcnow() - timedelta(seconds=1))
    assert_refused(client, person)


def test_lifetimes_are_settings(app_config, tmp_path):
    from app import create_app

    app = create_app({**app_config, "TOKEN_IDLE_DAYS": 2, "TOKEN_MAX_DAYS": 10})
    with app.app_context():
        client = app.test_client()
        person = signed_in_user(kind="im")
        token = row(person.token)
        assert abs((token.expires_at - token.created_at) - timedelta(days=10)) < timedelta(seconds=1)
        age(person.token, last_used=timedelta(days=1, hours=23))
        assert client.get(ME, headers=person.headers).status_code == 200
        age(person.token, last_used=timedelta(days=2, minutes=1))
        assert_refused(client, person)
        db.session.remove()
        db.engine.dispose()  # this app's pool, now rather than when the collector finds it


def test_last_used_is_written_at_most_once_an_hour(app, client):
    person = signed_in_user(kind="im")
    age(person.token, last_used=timedelta(minutes=30))
    before = row(person.token).last_used_at
    for _ in range(3):
        assert client.get(ME, headers=person.headers).status_code == 200
    assert row(person.token).last_used_at == before  # no write: used within the hour
    age(person.token, last_used=timedelta(hours=1, minutes=1))
    assert client.get(ME, headers=person.headers).status_code == 200
    assert row(person.token).last_used_at > before


def test_logout_all_revokes_every_token_of_the_user_only(app, client):
    widget = signed_in_user(kind="widget")
    im = signed_in_user(kind="im")  # the same user, through the integration manager
    other = signed_in_user("@bob:example.org", kind="im")
    assert im.user.id == widget.user.id
    response = client.post(ME + "/logout-all", headers=widget.headers)
    assert response.status_code == 200 and response.json == {}
    assert_refused(client, widget)
    assert_refused(client, im)
    assert client.get(ME, headers=other.headers).status_code == 200
    assert client.post(ME + "/logout-all", headers=im.headers).status_code == 401
    response = client.post(ME + "/logout-all")
    assert response.status_code == 401 and response.json["errcode"] == "M_MISSING_TOKEN"


def test_im_logout_revokes_only_the_presented_token(app, client):
    first, second = signed_in_user(kind="im"), signed_in_user(kind="im")
    assert client.post(IM + "/account/logout", headers=first.headers).status_code == 200
    assert_refused(client, first)
    assert client.get(ME, headers=second.headers).status_code == 200
