"""The Hexpack bot and its outbox, against the real Synapse the suite starts."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest

from app.bot.outbox import enqueue_message
from app.bot.services import deliver_due, wait_for_background_delivery
from app.exceptions import BotNotConfigured, InvalidInput
from app.extensions import db
from app.matrix.bot import BotClient
from app.models import BotMessage, BotRoom, utcnow
from app.transactions import transaction
from devtools.net import free_port
from tests.support.httpserver import FaultyProxy
from tests.support.wait import wait_until


@pytest.fixture
def app_config(app_config):
    return {**app_config, "BOT_DELIVER_AFTER_COMMIT": False}  # each test says when delivery runs


@pytest.fixture
def bot(app, synapse):
    account = synapse.register_user()
    app.config.update(MATRIX_HOMESERVER_URL=synapse.base_url, MATRIX_ACCESS_TOKEN=account.access_token)
    return account


def queue(recipient: str, text: str) -> int:
    with transaction():
        message = enqueue_message(recipient, text, f"<p><b>{text}</b></p>")
    return message.id


def notices(synapse, user, room_id: str) -> list[dict]:
    return [event["content"] for event in reversed(synapse.room_events(user, room_id, "m.room.message"))
            if event["content"].get("msgtype") == "m.notice"]


def invite_of(synapse, user, room_id: str) -> dict:
    rooms = synapse.client(user, "GET", "/_matrix/client/v3/sync", params={"timeout": 0})["rooms"]
    events = rooms.get("invite", {}).get(room_id, {}).get("invite_state", {}).get("events", [])
    return next(event for event in events if event["type"] == "m.room.member" and event["state_key"] == user.user_id)


def aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every time we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def sent_row(message_id: int) -> BotMessage:
    db.session.expire_all()
    return db.session.get(BotMessage, message_id)


@pytest.mark.synapse
def test_the_dm_arrives_as_a_direct_chat_and_the_next_message_reuses_it(app, synapse, bot):
    user = synapse.register_user()
    first = queue(user.user_id, "Your sign-in link")

    assert deliver_due().sent == 1

    room_id = sent_row(first).room_id
    invite = invite_of(synapse, user, room_id)
    assert invite["content"]["membership"] == "invite" and invite["content"]["is_direct"] is True
    assert invite["sender"] == bot.user_id
    synapse.client(user, "POST", f"/_matrix/client/v3/join/{quote(room_id)}", json={})
    [notice] = notices(synapse, user, room_id)
    assert notice == {"msgtype": "m.notice", "body": "Your sign-in link", "format": "org.matrix.custom.html",
                      "formatted_body": "<p><b>Your sign-in link</b></p>"}
    assert sent_row(first).event_id.startswith("$") and sent_row(first).attempts == 1
    direct = synapse.client(bot, "GET", f"/_matrix/client/v3/user/{quote(bot.user_id)}/account_data/m.direct")
    assert direct == {user.user_id: [room_id]}

    second = queue(user.user_id, "Thanks for your order")
    assert deliver_due().sent == 1
    assert sent_row(second).room_id == room_id
    assert [n["body"] for n in notices(synapse, user, room_id)] == ["Your sign-in link", "Thanks for your order"]
    assert db.session.scalar(db.select(db.func.count(BotRoom.id))) == 1


@pytest.mark.synapse
def test_a_user_who_left_gets_a_new_direct_room(app, synapse, bot):
    user = synapse.register_user()
    first = queue(user.user_id, "one")
    deliver_due()
    old_room = sent_row(first).room_id
    synapse.client(user, "POST", f"/_matrix/client/v3/rooms/{quote(old_room)}/leave", json={})  # rejects the invite

    second = queue(user.user_id, "two")
    assert deliver_due().sent == 1

    new_room = sent_row(second).room_id
    assert new_room != old_room
    assert invite_of(synapse, user, new_room)["content"]["is_direct"] is True
    assert db.session.scalar(db.select(BotRoom.room_id).where(BotRoom.matrix_id == user.user_id)) == new_room
    direct = synapse.client(bot, "GET", f"/_matrix/client/v3/user/{quote(bot.user_id)}/account_data/m.direct")
    assert direct[user.user_id][0] == new_room


@pytest.mark.synapse
def test_a_homeserver_outage_keeps_the_message_queued_until_it_is_back(app, runner, synapse, bot):
    user = synapse.register_user()
    app.config["MATRIX_HOMESERVER_URL"] = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    message_id = queue(user.user_id, "sent after the outage")

    result = runner.invoke(args=["bot", "deliver"])
    assert result.exit_code == 0, result.output
    assert "Sent 0, retrying later 1" in result.output
    row = sent_row(message_id)
    assert row.sent_at is None and row.failed_at is None and row.attempts == 1
    assert "Could not reach the bot's homeserver" in row.last_error
    assert aware(row.next_attempt_at) > utcnow() + timedelta(seconds=5)  # backoff
    status = runner.invoke(args=["bot", "status"]).output
    assert "Queued 1 (0 due now)" in status and "Could not reach" in status

    app.config["MATRIX_HOMESERVER_URL"] = synapse.base_url
    assert deliver_due().sent == 0  # not due yet: the backoff holds
    result = runner.invoke(args=["bot", "deliver", "--ignore-backoff"])
    assert "Sent 1," in result.output, result.output

    row = sent_row(message_id)
    assert row.sent_at is not None and row.attempts == 2 and row.last_error is None
    synapse.client(user, "POST", f"/_matrix/client/v3/join/{quote(row.room_id)}", json={})
    assert [n["body"] for n in notices(synapse, user, row.room_id)] == ["sent after the outage"]
    assert "Queued 0 (0 due now), sent 1" in runner.invoke(args=["bot", "status"]).output


@pytest.mark.synapse
def test_racing_delivery_runs_send_each_message_once(app, synapse, bot):
    user = synapse.register_user()
    ids = [queue(user.user_id, f"message {n}") for n in range(6)]
    reports, errors = [], []

    def run():
        try:
            with app.app_context():
                reports.append(deliver_due())
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sum(report.sent for report in reports) == 6
    rooms = {sent_row(message_id).room_id for message_id in ids}
    assert len(rooms) == 1  # racing runs agreed on one DM room
    room_id = rooms.pop()
    synapse.client(user, "POST", f"/_matrix/client/v3/join/{quote(room_id)}", json={})
    assert sorted(n["body"] for n in notices(synapse, user, room_id)) == [f"message {n}" for n in range(6)]


@pytest.mark.synapse
def test_a_send_repeated_after_a_crash_is_not_sent_twice(app, synapse, bot):
    user = synapse.register_user()
    message_id = queue(user.user_id, "exactly once")
    client = BotClient.from_config(app.config)
    # A run that sent the message and died before recording it: its lease expires, the next run
    # sends the same transaction id again.
    from app.bot.services import direct_room

    room_id = direct_room(client, user.user_id)
    row = sent_row(message_id)
    first_event = client.send_notice(room_id, row.txn_id, row.body, row.html)
    with transaction():
        row.claimed_until = utcnow() - timedelta(seconds=1)

    assert deliver_due().sent == 1

    assert sent_row(message_id).event_id == first_event
    synapse.client(user, "POST", f"/_matrix/client/v3/join/{quote(room_id)}", json={})
    assert [n["body"] for n in notices(synapse, user, room_id)] == ["exactly once"]


@pytest.mark.synapse
def test_delivery_starts_by_itself_after_the_commit(app, synapse, bot):
    app.config["BOT_DELIVER_AFTER_COMMIT"] = True
    user = synapse.register_user()
    message_id = queue(user.user_id, "no cron needed")
    wait_for_background_delivery(app)
    assert wait_until(lambda: sent_row(message_id).sent_at, message="the after-commit delivery")


@pytest.mark.synapse
def test_a_message_the_homeserver_refuses_is_not_retried(app, runner, synapse, bot):
    message_id = queue("@nobody:elsewhere.invalid", "hello?")  # this Synapse federates with nobody
    assert deliver_due().failed == 1
    row = sent_row(message_id)
    assert row.failed_at is not None and row.next_attempt_at is None and row.last_error
    assert deliver_due().failed == 0  # not retried
    assert "refused 1" in runner.invoke(args=["bot", "status"]).output


def test_a_rolled_back_change_queues_nothing(app):
    with pytest.raises(RuntimeError):
        with transaction():
            enqueue_message("@alice:example.org", "hi", "hi")
            raise RuntimeError("the change failed")
    assert db.session.scalar(db.select(db.func.count(BotMessage.id))) == 0


def test_malformed_recipients_are_refused(app):
    for recipient in ("alice", "@alice", "alice:example.org", "@a b:example.org", ""):
        with pytest.raises(InvalidInput):
            enqueue_message(recipient, "hi", "hi")


def test_an_unconfigured_bot_says_what_to_set_and_keeps_the_messages(app, runner):
    message_id = queue("@alice:example.org", "waiting for a bot")
    with pytest.raises(BotNotConfigured, match="MATRIX_HOMESERVER_URL and MATRIX_ACCESS_TOKEN"):
        deliver_due()
    result = runner.invoke(args=["bot", "deliver"])
    assert result.exit_code == 1
    assert "The Hexpack bot is not configured" in result.output
    row = sent_row(message_id)
    assert row.attempts == 0 and row.next_attempt_at is not None and row.claimed_until is None
    app.config.update(MATRIX_HOMESERVER_URL="matrix.example.org", MATRIX_ACCESS_TOKEN="syt_x")
    with pytest.raises(BotNotConfigured, match="not an http"):
        deliver_due()


def test_bot_send_queues_an_escaped_message(app, runner):
    result = runner.invoke(args=["bot", "send", "@alice:example.org", "<hi> & bye"])
    assert result.exit_code == 0, result.output
    row = db.session.scalars(db.select(BotMessage)).one()
    assert (row.recipient, row.body, row.html) == ("@alice:example.org", "<hi> & bye", "&lt;hi&gt; &amp; bye")


@pytest.fixture
def proxy(app, synapse, bot):
    """The bot talks to Synapse through a proxy that can answer 429s and 5xx first."""
    with FaultyProxy(synapse.base_url) as proxy:
        app.config["MATRIX_HOMESERVER_URL"] = proxy.url
        yield proxy


def sends(proxy) -> list[tuple[str, float]]:
    return [(path, at) for method, path, at in proxy.requests if method == "PUT" and "/send/" in path]


@pytest.mark.synapse
def test_rate_limits_and_server_errors_are_retried_with_backoff(app, synapse, proxy):
    user = synapse.register_user()
    message_id = queue(user.user_id, "after a 429 and a 502")
    proxy.fail("PUT", "/send/", 429, {"errcode": "M_LIMIT_EXCEEDED", "error": "Too many", "retry_after_ms": 700})
    proxy.fail("PUT", "/send/", 502, {"error": "Bad gateway"})

    assert deliver_due().sent == 1

    attempts = sends(proxy)
    assert len(attempts) == 3 and len({path for path, _at in attempts}) == 1  # the same transaction id
    assert attempts[1][1] - attempts[0][1] >= 0.7  # retry_after_ms honoured
    row = sent_row(message_id)
    synapse.client(user, "POST", f"/_matrix/client/v3/join/{quote(row.room_id)}", json={})
    assert [n["body"] for n in notices(synapse, user, row.room_id)] == ["after a 429 and a 502"]


@pytest.mark.synapse
def test_a_long_rate_limit_is_left_to_the_outbox(app, synapse, proxy):
    user = synapse.register_user()
    message_id = queue(user.user_id, "later")
    proxy.fail("PUT", "/send/", 429, {"errcode": "M_LIMIT_EXCEEDED", "error": "Slow down", "retry_after_ms": 90_000})

    assert deliver_due().retrying == 1

    row = sent_row(message_id)
    assert "429" in row.last_error and row.sent_at is None
    assert aware(row.next_attempt_at) >= utcnow() + timedelta(seconds=85)  # the homeserver's hint wins
    assert deliver_due(ignore_backoff=True).sent == 1
