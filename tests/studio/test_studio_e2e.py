"""Done when: a creator uploads a pack (no shell), an admin approves it, and someone else sends its
sticker from the picker, hosted by ClientWidgetApi like Element does, into a real Synapse room."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Sticker
from tests.factories import signed_in_user
from tests.studio.conftest import ROOT, new_pack, upload
from tests.support.packs import png_bytes
from tests.test_widget_e2e import host_state, start_host, wait_until_ready


@pytest.mark.browser
@pytest.mark.synapse
def test_a_studio_pack_is_approved_and_its_sticker_lands_in_a_room(app, client, browser_page, widget_host,
                                                                     live_server, synapse):
    operator, chatter = synapse.register_user(), synapse.register_user()
    app.config.update(MATRIX_HOMESERVER_URL=synapse.base_url, MATRIX_ACCESS_TOKEN=operator.access_token)
    creator = signed_in_user("@maker:example.org")
    slug = new_pack(client, creator.headers, name="Maker's hexes")
    sticker_id = upload(client, creator.headers, slug, {"hello_hex.png": png_bytes(size=(256, 256))},
                        emoji=["👋"]).get_json()["stickers"][0]["id"]
    assert client.post(f"/api/v1/studio/packs/{slug}/submit", headers=creator.headers).status_code == 200
    approved = client.post(f"/api/v1/admin/packs/{slug}/approve", headers=signed_in_user(ROOT).headers)
    assert approved.get_json()["homeserver"] == {"uploaded": 1}
    mxc = db.session.scalar(select(Sticker.mxc_uri).where(Sticker.id == sticker_id))

    room_id = synapse.create_room(chatter)

    class Matrix:
        pass

    matrix = Matrix()
    matrix.synapse, matrix.chatter, matrix.room_id = synapse, chatter, room_id
    page = browser_page
    start_host(page, widget_host, live_server, matrix)
    wait_until_ready(page)
    page.frame_locator("#widget-frame").locator(f'button[data-sticker-id="{sticker_id}"]').click()
    page.wait_for_function("hexpackHost.state.stickers.length === 1 && hexpackHost.state.stickers[0].done")
    assert host_state(page)["stickers"][0]["error"] is None
    events = synapse.room_events(chatter, room_id, "m.sticker")
    assert [(event["content"]["body"], event["content"]["url"]) for event in events] == [("hello hex", mxc)]
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target == f"pack:{slug}")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["pack.create", "pack.stickers.add", "pack.submit", "pack.approve"]
