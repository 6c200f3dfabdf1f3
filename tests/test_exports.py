"""Exporting owned packs to MSC2545 clients, against the real Synapse the suite starts: the bot's
pack room per user, both state events, power levels, refunds and revokes, splitting, outages."""
from __future__ import annotations

import json
import threading
from urllib.parse import quote

import pytest
import requests

from app.auth.tokens import get_or_create_user
from app.exports.services import export_pack, wait_for_background_sync
from app.exports.sync_services import sync_due
from app.extensions import db
from app.models import ExportRoom, PackExport, Sticker
from app.packs import entitlements
from app.packs.exported import sync_pack_exports
from app.packs.ownership import revoke_pack
from app.packs.publish import publish_packs
from app.payments.orders import apply_charge
from app.payments.stripe_data import ChargeInfo
from app.transactions import transaction
from devtools.net import free_port
from tests.factories import imported_pack, order, price, signed_in_user
from tests.support.wait import wait_until

TYPES = ("m.room.image_pack", "im.ponies.room_emotes")


@pytest.fixture
def app_config(app_config):
    return {**app_config, "BOT_DELIVER_AFTER_COMMIT": False}  # each test says when syncs run


@pytest.fixture
def bot(app, synapse):
    account = synapse.register_user()
    app.config.update(MATRIX_HOMESERVER_URL=synapse.base_url, MATRIX_ACCESS_TOKEN=account.access_token)
    return account


@pytest.fixture
def paid_pack(app, tmp_path):
    return imported_pack(tmp_path / "blobs", "blobs", count=3, price=price(300), author="Ada",
                         bodies=["Happy blob", "Sad blob", "Happy blob"])


def buy(matrix_id: str, pack):
    """A paid order and the entitlement it granted, as checkout leaves them."""
    person = get_or_create_user(matrix_id)
    db.session.commit()
    paid = order(person, pack, status="paid")
    with transaction():
        entitlements.grant(user_id=person.id, pack_id=pack.id, source="purchase", order_id=paid.id)
    return person, paid


def joined(synapse, user, room_id: str) -> None:
    synapse.client(user, "POST", f"/_matrix/client/v3/join/{quote(room_id)}", json={})


def state(synapse, user, room_id: str, event_type: str, key: str) -> dict:
    return synapse.client(user, "GET", f"/_matrix/client/v3/rooms/{quote(room_id)}/state/{event_type}/{quote(key)}")


def raw_put_state(synapse, user, room_id: str, event_type: str, key: str, content: dict) -> requests.Response:
    return synapse.http.put(f"{synapse.base_url}/_matrix/client/v3/rooms/{quote(room_id)}/state/{event_type}/{key}",
                            json=content, headers={"Authorization": f"Bearer {user.access_token}"}, timeout=10)


@pytest.mark.synapse
def test_a_bought_pack_lands_in_the_buyers_room_under_both_names(app, synapse, bot, paid_pack):
    buyer = synapse.register_user()
    person, _paid = buy(buyer.user_id, paid_pack)

    result = export_pack(user=person, slug="blobs")

    room_id = result.room_id
    joined(synapse, buyer, room_id)  # the invite is there: the buyer can join
    first, second = (state(synapse, buyer, room_id, event_type, "blobs") for event_type in TYPES)
    assert first == second
    assert first["pack"] == {"display_name": "Blobs", "usage": ["sticker"], "attribution": "Hexpack tests",
                             "avatar_url": first["images"]["happy_blob"]["url"]}
    assert sorted(first["images"]) == ["happy_blob", "happy_blob-2", "sad_blob"]  # from the names, unique
    for code, image in first["images"].items():
        assert image["usage"] == ["sticker"] and image["url"].startswith("mxc://")
        assert set(image["info"]) == {"w", "h", "mimetype", "size"}
        server, media_id = image["url"][len("mxc://"):].split("/")
        download = synapse.http.get(f"{synapse.base_url}/_matrix/client/v1/media/download/{server}/{media_id}",
                                    headers={"Authorization": f"Bearer {buyer.access_token}"}, timeout=10)
        assert download.status_code == 200 and download.headers["Content-Type"] == image["info"]["mimetype"]
        assert len(download.content) == image["info"]["size"]
    assert {code: image["body"] for code, image in first["images"].items()} == {
        "happy_blob": "Happy blob", "sad_blob": "Sad blob", "happy_blob-2": "Happy blob"}
    name = synapse.client(buyer, "GET", f"/_matrix/client/v3/rooms/{quote(room_id)}/state/m.room.name/")
    assert name == {"name": "Hexpack — your sticker packs"}


@pytest.mark.synapse
def test_only_the_bot_may_change_the_packs_in_the_room(app, synapse, bot, paid_pack):
    buyer = synapse.register_user()
    person, _paid = buy(buyer.user_id, paid_pack)
    room_id = export_pack(user=person, slug="blobs").room_id
    joined(synapse, buyer, room_id)

    levels = state(synapse, buyer, room_id, "m.room.power_levels", "")
    assert bot.user_id not in levels.get("users", {}) or levels["users"][bot.user_id] == 100
    assert levels["users"].get(buyer.user_id, levels["users_default"]) == 0
    assert levels["events"]["m.room.image_pack"] == levels["events"]["im.ponies.room_emotes"] == 100
    for event_type in TYPES:
        refused = raw_put_state(synapse, buyer, room_id, event_type, "blobs", {"images": {}})
        assert refused.status_code == 403, refused.text
    refused = raw_put_state(synapse, buyer, room_id, "m.room.power_levels", "", {**levels, "users": {buyer.user_id: 100}})
    assert refused.status_code == 403
    assert state(synapse, buyer, room_id, "m.room.image_pack", "blobs")["images"]  # untouched


@pytest.mark.synapse
def test_a_refund_empties_the_pack_and_a_second_export_reuses_the_room(app, synapse, bot, paid_pack, tmp_path):
    buyer = synapse.register_user()
    person, paid = buy(buyer.user_id, paid_pack)
    free = imported_pack(tmp_path / "free", "freebies", count=2)
    room_id = export_pack(user=person, slug="blobs").room_id
    assert export_pack(user=person, slug="freebies").room_id == room_id  # free packs too, same room
    assert export_pack(user=person, slug="blobs").room_id == room_id  # exporting again is harmless
    joined(synapse, buyer, room_id)

    with transaction():  # the webhook's refund path: charge.refunded
        apply_charge(ChargeInfo(id="ch_1", payment_intent_id="pi_1", amount=300, amount_refunded=300,
                                refunded=True, currency="usd", receipt_url=None), paid)
    assert sync_due().written == 1

    for event_type in TYPES:
        assert state(synapse, buyer, room_id, event_type, "blobs") == {"images": {}}
        assert len(state(synapse, buyer, room_id, event_type, "freebies")["images"]) == 2  # not touched
    assert db.session.scalar(db.select(db.func.count(ExportRoom.id))) == 1
    refused = app.test_client().post("/api/v1/me/packs/blobs/export",
                                     headers=signed_in_user(buyer.user_id).headers)
    assert refused.status_code == 403 and "buy it" in refused.get_json()["error"]
    assert free.slug == "freebies"


@pytest.mark.synapse
def test_an_operator_revoke_empties_it_by_itself_after_the_commit_and_a_regrant_writes_it_again(
        app, runner, synapse, bot, paid_pack):
    app.config["BOT_DELIVER_AFTER_COMMIT"] = True
    buyer = synapse.register_user()
    person, _paid = buy(buyer.user_id, paid_pack)
    room_id = export_pack(user=person, slug="blobs").room_id
    joined(synapse, buyer, room_id)

    assert revoke_pack(matrix_id=buyer.user_id, slug="blobs", actor="cli:test")
    wait_for_background_sync(app)
    wait_until(lambda: state(synapse, buyer, room_id, "im.ponies.room_emotes", "blobs") == {"images": {}},
               message="the revoke to empty the pack")
    assert state(synapse, buyer, room_id, "m.room.image_pack", "blobs") == {"images": {}}

    result = runner.invoke(args=["entitlements", "grant", buyer.user_id, "blobs"])
    assert result.exit_code == 0, result.output
    wait_for_background_sync(app)
    wait_until(lambda: len(state(synapse, buyer, room_id, "m.room.image_pack", "blobs")["images"]) == 3,
               message="the grant to write the pack again")


@pytest.mark.synapse
def test_a_takedown_and_a_new_version_follow_through_sync_pack_exports(app, synapse, bot, paid_pack, tmp_path):
    buyer = synapse.register_user()
    person, _paid = buy(buyer.user_id, paid_pack)
    room_id = export_pack(user=person, slug="blobs").room_id
    joined(synapse, buyer, room_id)

    imported_pack(tmp_path / "blobs-v2", "blobs", count=4, price=price(300))  # a new version: 4 stickers
    assert sync_due().written == 1  # the new sticker was published on the way
    images = state(synapse, buyer, room_id, "m.room.image_pack", "blobs")["images"]
    assert len(images) == 4 and all(image["url"].startswith("mxc://") for image in images.values())

    with transaction():
        paid_pack.status = "removed"
        sync_pack_exports(paid_pack)  # what the admin's takedown calls
    assert sync_due().written == 1
    assert state(synapse, buyer, room_id, "m.room.image_pack", "blobs") == {"images": {}}


@pytest.mark.synapse
def test_a_big_pack_is_split_and_stale_parts_are_emptied_when_it_shrinks(app, synapse, bot, paid_pack):
    buyer = synapse.register_user()
    person, _paid = buy(buyer.user_id, paid_pack)
    export_pack(user=person, slug="blobs")  # publishes the three images
    template = paid_pack.stickers[0]
    with transaction():  # 300 more stickers reusing one uploaded image, with long names
        for index in range(300):
            db.session.add(Sticker(pack_id=paid_pack.id, key=f"extra-{index}", position=10 + index,
                                   body=f"Extra {index} " + "x" * 180, **{column: getattr(template, column) for column in (
                                       "image_sha256", "mimetype", "width", "height", "size", "thumb_sha256",
                                       "thumb_mimetype", "thumb_width", "thumb_height", "thumb_size", "mxc_uri",
                                       "mxc_homeserver")}))
    db.session.expire_all()

    result = export_pack(user=person, slug="blobs")

    assert result.parts >= 3
    joined(synapse, buyer, result.room_id)
    keys = ["blobs"] + [f"blobs.{part}" for part in range(2, result.parts + 1)]
    codes = []
    for key in keys:
        for event_type in TYPES:
            content = state(synapse, buyer, result.room_id, event_type, key)
            assert len(json.dumps(content).encode()) < 60_000
        codes += list(content["images"])
        assert content["pack"]["display_name"].startswith("Blobs (")
    assert len(codes) == len(set(codes)) == 303

    with transaction():
        db.session.execute(db.delete(Sticker).where(Sticker.key.like("extra-%")))
        sync_pack_exports(paid_pack)
    assert sync_due().written == 1
    assert len(state(synapse, buyer, result.room_id, "m.room.image_pack", "blobs")["images"]) == 3
    for key in keys[1:]:
        assert state(synapse, buyer, result.room_id, "m.room.image_pack", key) == {"images": {}}
    assert db.session.scalar(db.select(PackExport.parts)) == 1


@pytest.mark.synapse
def test_concurrent_exports_make_one_room(app, synapse, bot, paid_pack, tmp_path):
    buyer = synapse.register_user()
    person, _paid = buy(buyer.user_id, paid_pack)
    imported_pack(tmp_path / "free", "freebies", count=2)
    publish_packs()  # upload the stickers first, so the threads race on the room
    answers, errors = [], []

    def run(slug):
        try:
            with app.app_context():
                answers.append(export_pack(user=db.session.get(type(person), person.id), slug=slug).room_id)
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(slug,)) for slug in ("blobs", "freebies", "blobs")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)

    assert errors == [] and len(answers) == 3 and len(set(answers)) == 1
    invites = synapse.client(buyer, "GET", "/_matrix/client/v3/sync", params={"timeout": 0})["rooms"]["invite"]
    ours = [room for room, data in invites.items() if any(
        event["type"] == "m.room.name" and event["content"].get("name", "").startswith("Hexpack")
        for event in data["invite_state"]["events"])]
    assert ours == [answers[0]]  # one room, one invite
    assert db.session.scalar(db.select(db.func.count(PackExport.id))) == 2


@pytest.mark.synapse
def test_a_homeserver_outage_is_a_clear_error_and_asking_again_works(app, synapse, bot, paid_pack):
    buyer = synapse.register_user()
    buy(buyer.user_id, paid_pack)
    signed_in = signed_in_user(buyer.user_id)
    client = app.test_client()
    app.config["MATRIX_HOMESERVER_URL"] = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    answer = client.post("/api/v1/me/packs/blobs/export", headers=signed_in.headers)

    assert answer.status_code in (502, 503), answer.get_json()
    assert "homeserver" in answer.get_json()["error"]
    app.config["MATRIX_HOMESERVER_URL"] = synapse.base_url
    answer = client.post("/api/v1/me/packs/blobs/export", headers=signed_in.headers)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["state_keys"] == ["blobs"] and body["room_url"] == f"https://matrix.to/#/{body['room_id']}"
    joined(synapse, buyer, body["room_id"])
    assert len(state(synapse, buyer, body["room_id"], "m.room.image_pack", "blobs")["images"]) == 3


@pytest.mark.synapse
def test_a_sync_during_an_outage_is_retried_later(app, runner, synapse, bot, paid_pack):
    buyer = synapse.register_user()
    person, _paid = buy(buyer.user_id, paid_pack)
    room_id = export_pack(user=person, slug="blobs").room_id
    joined(synapse, buyer, room_id)
    app.config["MATRIX_HOMESERVER_URL"] = f"http://127.0.0.1:{free_port()}"
    assert revoke_pack(matrix_id=buyer.user_id, slug="blobs", actor="cli:test")

    assert sync_due().retrying == 1
    row = db.session.scalar(db.select(PackExport).execution_options(populate_existing=True))
    assert "Could not reach" in row.last_error and row.attempts == 1

    assert runner.invoke(args=["exports", "status"]).output == "Exports waiting for a sync: 1.\n"
    app.config["MATRIX_HOMESERVER_URL"] = synapse.base_url
    assert sync_due().written == 0  # the backoff holds
    result = runner.invoke(args=["exports", "sync", "--ignore-backoff"])
    assert result.output == "Written 1, retrying later 0, refused 0.\n", result.output
    assert runner.invoke(args=["exports", "status"]).output == "Exports waiting for a sync: 0.\n"
    assert state(synapse, buyer, room_id, "m.room.image_pack", "blobs") == {"images": {}}


@pytest.mark.synapse
def test_a_user_who_rejected_the_invite_is_invited_again_to_the_same_room(app, synapse, bot, paid_pack):
    buyer = synapse.register_user()
    person, _paid = buy(buyer.user_id, paid_pack)
    room_id = export_pack(user=person, slug="blobs").room_id
    synapse.client(buyer, "POST", f"/_matrix/client/v3/rooms/{quote(room_id)}/leave", json={})  # rejects it

    assert export_pack(user=person, slug="blobs").room_id == room_id

    joined(synapse, buyer, room_id)  # works only with a fresh invite
    assert len(state(synapse, buyer, room_id, "im.ponies.room_emotes", "blobs")["images"]) == 3


@pytest.mark.synapse
def test_a_room_the_bot_lost_is_replaced_and_every_export_written_again(app, synapse, bot, paid_pack, tmp_path):
    buyer = synapse.register_user()
    person, _paid = buy(buyer.user_id, paid_pack)
    imported_pack(tmp_path / "free", "freebies", count=2)
    old_room = export_pack(user=person, slug="blobs").room_id
    export_pack(user=person, slug="freebies")
    synapse.client(bot, "POST", f"/_matrix/client/v3/rooms/{quote(old_room)}/leave", json={})

    new_room = export_pack(user=person, slug="freebies").room_id

    assert new_room != old_room
    assert sync_due().written == 1  # the other pack, into the new room
    joined(synapse, buyer, new_room)
    assert len(state(synapse, buyer, new_room, "m.room.image_pack", "blobs")["images"]) == 3
    assert len(state(synapse, buyer, new_room, "m.room.image_pack", "freebies")["images"]) == 2
