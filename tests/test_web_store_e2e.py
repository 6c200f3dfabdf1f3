"""In Chromium: from the integration manager, "Open Hexpack on the web" signs the user in on the web
(a web-login link, confirmed), they buy on /packs/<slug> through the fake Stripe's hosted Checkout,
and the pack is then in that user's picker. The app runs live; Stripe is devtools/fake_stripe.py."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from app.extensions import db
from app.integrations import terms
from app.models import TermsAcceptance
from tests.factories import pack_row, signed_in_user
from tests.support.wait import wait_until

pytestmark = pytest.mark.browser
ALICE = "@alice:example.org"


@pytest.fixture
def app_config(app_config, fake_stripe):
    return {**app_config, **fake_stripe.app_settings(), "ADMIN_MATRIX_IDS": "@root:example.org"}


def manager_user(matrix_id: str):
    person = signed_in_user(matrix_id, kind="im")
    for policy in terms.POLICIES:
        db.session.add(TermsAcceptance(user_id=person.user.id, policy=policy.key, version=policy.version))
    db.session.commit()
    return person


def test_sign_in_from_the_manager_buy_on_the_web_and_the_pack_is_in_the_picker(chromium, stripe_live, fake_stripe,
                                                                                client):
    pack_row("gold-hex", name="Gold Hex", price=50)
    alice = manager_user(ALICE)
    context = chromium.new_context()
    context.set_default_timeout(15_000)
    manager = context.new_page()
    manager.goto(f"{stripe_live.url}/manager?scalar_token={quote(alice.token)}")
    assert manager.locator("#open-admin").is_hidden()  # alice is no admin

    with context.expect_page() as new_tab:
        manager.click("#open-web")
    web = new_tab.value
    web.wait_for_url(stripe_live.url + "/auth/matrix/*")
    assert web.evaluate("window.opener") is None
    manager.locator("#web-state", has_text="Opened in a new tab").wait_for()
    web.click("button[type=submit]")  # "Sign in as @alice:example.org"
    web.wait_for_url(stripe_live.url + "/packs")

    web.goto(stripe_live.url + "/packs/gold-hex")
    web.click("text=Buy · $0.50")
    web.wait_for_url(fake_stripe.checkout_base + "/c/pay/cs_test_*")  # the same tab: not framed here
    [session] = fake_stripe.sessions()
    assert session["metadata"]["matrix_user_id"] == ALICE
    web.click("#pay")
    web.wait_for_url(stripe_live.url + "/checkout/success?session_id=*")
    assert "Thank you!" in web.inner_text("h1")
    assert fake_stripe.wait_for_delivery("checkout.session.completed") == [200]

    picker = client.get("/api/v1/me/packs", headers=signed_in_user(ALICE).headers).get_json()["packs"]
    assert "gold-hex" in [pack["slug"] for pack in picker]
    web.goto(stripe_live.url + "/packs/gold-hex")
    assert web.locator(".owned-badge").inner_text() == "✓ In your picker"
    context.close()


def test_the_manager_offers_the_admin_console_to_admins(chromium, live_server, app):
    app.config["PUBLIC_URL"] = live_server.url
    root = manager_user("@root:example.org")
    context = chromium.new_context()
    context.set_default_timeout(15_000)
    manager = context.new_page()
    manager.goto(f"{live_server.url}/manager?scalar_token={quote(root.token)}")
    manager.locator("#open-admin").wait_for()
    with context.expect_page() as new_tab:
        manager.click("#open-admin")
    console = new_tab.value
    console.wait_for_url(live_server.url + "/auth/matrix/*?next=%2Fadmin")
    console.click("button[type=submit]")
    console.wait_for_url(live_server.url + "/admin")
    assert "Overview" in console.title()
    context.close()


def test_a_refused_link_request_is_shown_and_the_blank_tab_closed(chromium, live_server, app):
    app.config["PUBLIC_URL"] = live_server.url
    alice = manager_user(ALICE)
    context = chromium.new_context()
    context.set_default_timeout(15_000)
    manager = context.new_page()
    manager.goto(f"{live_server.url}/manager?scalar_token={quote(alice.token)}")
    manager.locator("#open-web").wait_for()
    client = app.test_client()
    assert client.post("/api/v1/me/logout-all", headers=alice.headers).status_code == 200
    with context.expect_page() as new_tab:
        manager.click("#open-web")
    manager.locator("#web-state", has_text="Could not open Hexpack on the web").wait_for()
    wait_until(new_tab.value.is_closed, message="the blank tab closed", page=manager)
    context.close()
