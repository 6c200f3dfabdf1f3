"""The picker's store tab in real Chromium: matrix-widget-api's ClientWidgetApi hosts the picker as
Element does and hands it a real Synapse OpenID token; the app runs on a live server with the real
`stripe` library talking to the fake Stripe (devtools/fake_stripe.py), whose hosted Checkout
page pays and sends signed webhooks back to the app. Paid stickers are published to the real
Synapse, and a bought sticker is sent there as an m.sticker event.
"""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.auth.tokens import get_or_create_user
from app.extensions import db
from app.library import services as library
from app.models import Order, Sticker, StripeEvent
from tests.factories import imported_pack, pack_row, price
from tests.support.wait import wait_for_js, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.synapse]
WIDGET = "/api/widgets/stickerpicker?theme=$org.matrix.msc2873.client_theme"


@pytest.fixture
def app_config(app_config, fake_stripe):
    return {**app_config, **fake_stripe.app_settings()}


class Shop:
    pass


@pytest.fixture
def shop(app, runner, synapse, stripe_live, tmp_path):
    """A free pack (Blobs) and a paid one (Gold Hex, $0.50), both published to the real Synapse by
    `packs publish`; a chat user in a room; the app live, with Stripe's webhooks coming to it."""
    operator = synapse.register_user()
    chatter = synapse.register_user()
    app.config.update(MATRIX_HOMESERVER_URL=synapse.base_url, MATRIX_ACCESS_TOKEN=operator.access_token,
                      MATRIX_SERVER_URLS=f"{synapse.server_name}={synapse.base_url}")
    imported_pack(tmp_path / "blobs", "blobs", name="Blobs", author="Tests", runner=runner,
                  bodies=[f"Blobs {index}" for index in range(3)], size=(160, 160))
    imported_pack(tmp_path / "gold", "gold-hex", name="Gold Hex", author="Tests", price=price(50), runner=runner,
                  bodies=[f"Gold Hex {index}" for index in range(3)], size=(160, 160))
    published = runner.invoke(args=["packs", "publish"])
    assert published.exit_code == 0, published.output
    s = Shop()
    s.synapse, s.chatter, s.live = synapse, chatter, stripe_live
    s.room_id = synapse.create_room(chatter)
    s.gold = list(db.session.scalars(select(Sticker).join(Sticker.pack).where(Sticker.body.like("Gold Hex %"))
                                     .order_by(Sticker.position)))
    assert all(sticker.mxc_uri and sticker.mxc_uri.startswith("mxc://") for sticker in s.gold)
    return s


def open_picker(page, widget_host, shop, *, openid="allowed", theme="light"):
    """The host page plays Element; the picker signs in with the chat user's OpenID token."""
    page.goto(widget_host.url)
    mode = {"state": openid}
    if openid == "allowed":
        mode["token"] = shop.synapse.openid_token(shop.chatter)
    m = {"baseUrl": shop.synapse.base_url, "accessToken": shop.chatter.access_token, "roomId": shop.room_id}
    page.evaluate("cfg => hexpackHost.start(cfg)", {
        "widgetUrl": shop.live.url + WIDGET, "userId": shop.chatter.user_id, "roomId": shop.room_id,
        "homeserverUrl": shop.synapse.base_url, "matrix": m, "openid": mode, "theme": theme})
    page.frame_locator("#widget-frame").locator("#store-button").wait_for()  # the picker has loaded
    frame = page.frame(name="widget-frame")
    if openid == "allowed":  # signed in, and the user's own picker swapped in
        wait_for_js(page, "document.documentElement.dataset.identified === 'true'", frame=frame)
    else:
        wait_for_js(page, "window.hexpackWidget.identity && hexpackWidget.identity.state === 'declined'", frame=frame)
    return frame


def open_store(frame):
    frame.locator("#store-button").click()
    frame.locator("#store li.item").first.wait_for()
    return frame.locator("#store")


def entry(frame, slug: str):
    return frame.locator(f'#store li[data-pack="{slug}"]')


def host_state(page) -> dict:
    return page.evaluate("JSON.parse(JSON.stringify(hexpackHost.state))")


def orders() -> list[Order]:
    db.session.expire_all()
    return list(db.session.scalars(select(Order)))


def test_buy_in_the_store_tab_and_the_open_picker_gets_the_pack(browser_page, widget_host, shop, fake_stripe):
    page = browser_page
    frame = open_picker(page, widget_host, shop)
    store = open_store(frame)
    assert store.locator("li.item").evaluate_all("rows => rows.map(r => r.dataset.pack)") == ["blobs", "gold-hex"]
    assert entry(frame, "blobs").locator(".badge").inner_text() == "✓ In your picker"
    assert "Free" in entry(frame, "blobs").locator(".item-meta").inner_text()
    link = entry(frame, "gold-hex").locator("a.item-link")
    assert (link.get_attribute("href"), link.get_attribute("target")) == ("/packs/gold-hex", "_blank")
    assert entry(frame, "gold-hex").locator(".item-icon").evaluate("img => img.complete && img.naturalWidth > 0")
    buy = entry(frame, "gold-hex").locator("button.act")
    assert buy.inner_text() == "Buy $0.50"
    # Its accessible name starts with what it shows, so "click Buy $0.50" works by voice.
    assert buy.get_attribute("aria-label") == "Buy $0.50: Gold Hex (opens Stripe Checkout in a new tab)"
    assert frame.locator("#packs").is_hidden() and store.locator(".store-note").is_hidden()

    # Buy opens Stripe Checkout in a new tab, from the click (the sandbox has no top navigation).
    with page.context.expect_page() as new_tab:
        buy.click()
    checkout = new_tab.value
    checkout.wait_for_url(fake_stripe.checkout_base + "/c/pay/cs_test_*")
    assert checkout.evaluate("window.opener") is None  # the payment page gets no handle on the picker
    [session] = fake_stripe.sessions()
    [order] = orders()
    assert session["client_reference_id"] == order.public_id and session["amount_total"] == 50
    assert session["metadata"] == {"order": order.public_id, "pack": "gold-hex",
                                   "matrix_user_id": shop.chatter.user_id}
    assert "Gold Hex" in checkout.inner_text("body")
    frame.locator("#status", has_text="Pay in the new tab").wait_for()
    assert "awaiting payment" in entry(frame, "gold-hex").locator(".item-meta").inner_text()

    # Pay: the fake completes the payment and sends the signed webhook to the live app.
    paid_at = time.monotonic()
    checkout.click("#pay")
    checkout.wait_for_url(shop.live.url + "/checkout/success?session_id=*")
    assert "Thank you!" in checkout.inner_text("h1")
    assert fake_stripe.wait_for_delivery("checkout.session.completed") == [200]
    completed = fake_stripe.events_of_type("checkout.session.completed")[0]
    assert db.session.get(StripeEvent, completed["id"]) is not None

    # The picker, still open and never reloaded, shows the pack within a few seconds.
    entry(frame, "gold-hex").locator(".badge", has_text="In your picker").wait_for(timeout=10_000)
    assert time.monotonic() - paid_at < 10
    frame.locator("#status", has_text="Gold Hex is in your picker").wait_for()
    assert host_state(page)["iframeLoads"] == 1
    assert [o.status for o in orders()] == ["paid"]

    # Back to the stickers: the bought pack is there; a click sends its sticker to the room.
    frame.locator("#store-button").click()
    sticker = shop.gold[1]
    frame.locator(f'#pack-gold-hex button[data-sticker-id="{sticker.id}"]').click()
    page.wait_for_function("hexpackHost.state.stickers.length === 1 && hexpackHost.state.stickers[0].done")
    assert host_state(page)["stickers"][0]["error"] is None
    [event] = shop.synapse.room_events(shop.chatter, shop.room_id, "m.sticker")
    assert event["content"]["url"] == sticker.mxc_uri
    assert event["content"]["body"] == "Gold Hex 1"
    assert event["sender"] == shop.chatter.user_id

    # Buying it again is refused by the server; the store no longer offers it (only its use elsewhere).
    assert entry(frame, "gold-hex").locator("button.act").count() == 0
    assert entry(frame, "gold-hex").locator("button:not(.other-act)").all_text_contents() == ["Use in other clients"]
    again = frame.evaluate("""() => hexpackWidget.identity.fetch('/api/v1/checkout', {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify({pack: 'gold-hex'})})
        .then(r => r.json().then(body => [r.status, body]))""")
    assert again == [409, {"errcode": "ORG.HEXPACK.ALREADY_OWNED", "error": "You already own Gold Hex."}]


def test_a_double_click_on_buy_makes_one_checkout(browser_page, widget_host, shop, fake_stripe):
    page = browser_page
    frame = open_picker(page, widget_host, shop)
    open_store(frame)
    buy = entry(frame, "gold-hex").locator("button.act")
    with page.context.expect_page() as new_tab:
        buy.dblclick()
    checkout = new_tab.value
    checkout.wait_for_url(fake_stripe.checkout_base + "/c/pay/*")
    # Clicked again (however fast, whether the API has answered or not): the same tab, nothing new.
    for _ in range(2):
        buy.click(force=True, no_wait_after=True)
    entry(frame, "gold-hex").locator(".item-meta", has_text="awaiting payment").wait_for()
    buy.click()
    page.wait_for_timeout(500)
    assert page.context.pages == [page, checkout]
    assert len(fake_stripe.sessions()) == 1 and len(orders()) == 1
    # Once that tab is closed, Buy opens the same Checkout again; two requests at once get it too.
    checkout.close()
    with page.context.expect_page() as reopened:
        buy.click()
    reopened.value.wait_for_url(checkout.url)
    answers = frame.evaluate("""() => Promise.all([1, 2].map(() => hexpackWidget.identity.fetch('/api/v1/checkout', {
        method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({pack: 'gold-hex'})})
        .then(r => r.json())))""")
    assert answers[0] == answers[1] and answers[0]["checkout_url"] == checkout.url
    assert len(fake_stripe.sessions()) == 1 and len(orders()) == 1


def test_a_free_pack_added_from_the_store_appears_at_once(browser_page, widget_host, shop, app):
    user = get_or_create_user(shop.chatter.user_id)
    library.set_picker(user=user, hidden=["blobs"])  # hidden earlier in the manager
    page = browser_page
    frame = open_picker(page, widget_host, shop)
    assert frame.locator("#pack-blobs").count() == 0
    open_store(frame)
    add = entry(frame, "blobs").locator("button.act")
    assert add.inner_text() == "Add"
    started = time.monotonic()
    add.click()
    entry(frame, "blobs").locator(".badge", has_text="In your picker").wait_for(timeout=3_000)
    assert time.monotonic() - started < 3  # no polling involved: at once
    frame.locator("#store-button").click()
    frame.locator("#pack-blobs button.s").first.wait_for()
    assert host_state(page)["iframeLoads"] == 1


def test_becoming_visible_again_refreshes_the_picker(browser_page, widget_host, shop, runner):
    page = browser_page
    frame = open_picker(page, widget_host, shop)
    frame.locator("#pack-blobs").wait_for()
    # The pack is granted elsewhere (no checkout pending here, so nothing polls).
    result = runner.invoke(args=["entitlements", "grant", shop.chatter.user_id, "gold-hex"])
    assert result.exit_code == 0, result.output
    page.evaluate("hexpackHost.send('visibility', {visible: false})")
    page.wait_for_timeout(1000)
    assert frame.locator("#pack-gold-hex").count() == 0
    assert page.evaluate("hexpackHost.send('visibility', {visible: true})") == {"ok": True, "response": {}}
    frame.locator("#pack-gold-hex button.s").first.wait_for(timeout=5_000)
    assert host_state(page)["iframeLoads"] == 1


def test_buying_an_owned_pack_is_refused_with_the_servers_message(browser_page, widget_host, shop, runner):
    page = browser_page
    frame = open_picker(page, widget_host, shop)
    open_store(frame)
    # Granted after the store was listed: the store still offers it, the server refuses.
    assert runner.invoke(args=["entitlements", "grant", shop.chatter.user_id, "gold-hex"]).exit_code == 0
    with page.context.expect_page() as new_tab:
        entry(frame, "gold-hex").locator("button.act").click()
    wait_until(new_tab.value.is_closed, timeout=15, message="the placeholder tab to close", page=page)
    frame.locator("#status", has_text="You already own Gold Hex.").wait_for()
    entry(frame, "gold-hex").locator(".badge", has_text="In your picker").wait_for()
    assert orders() == []


def test_a_blocked_tab_leaves_a_pay_link(browser_page, widget_host, shop, fake_stripe):
    page = browser_page
    frame = open_picker(page, widget_host, shop)
    open_store(frame)
    frame.evaluate("window.open = () => null")  # what a popup blocker hands back
    entry(frame, "gold-hex").locator("button.act").click()
    pay = entry(frame, "gold-hex").locator("a.act", has_text="Pay")
    pay.wait_for()
    assert "blocked the new tab" in frame.locator("#status").inner_text()
    with page.context.expect_page() as new_tab:
        pay.click()
    new_tab.value.wait_for_url(fake_stripe.checkout_base + "/c/pay/*")


def test_without_identity_the_store_shows_but_buying_asks_for_it(browser_page, widget_host, shop):
    page = browser_page
    frame = open_picker(page, widget_host, shop, openid="blocked")
    open_store(frame)
    note = frame.locator("#store .store-note")
    assert "Buying needs your Matrix identity." in note.inner_text()
    entry(frame, "gold-hex").locator("button.act").click()
    frame.locator("#status", has_text="needs your Matrix identity: choose “Verify identity” above").wait_for()
    assert len(page.context.pages) == 1 and orders() == []

    # The user changes their mind: the store asks the client again and then sells.
    page.evaluate("token => hexpackHost.setOpenID({state: 'allowed', token})", shop.synapse.openid_token(shop.chatter))
    note.locator("button", has_text="Verify identity").click()
    note.wait_for(state="hidden")
    assert [e["mode"] for e in host_state(page)["openid"]] == ["blocked", "allowed"]
    with page.context.expect_page() as new_tab:
        entry(frame, "gold-hex").locator("button.act").click()
    new_tab.value.wait_for_url("**/c/pay/*")


def test_without_stripe_paid_packs_are_not_for_sale(browser_page, widget_host, shop, app):
    app.config["STRIPE_SECRET_KEY"] = ""
    frame = open_picker(browser_page, widget_host, shop)
    open_store(frame)
    assert entry(frame, "gold-hex").locator(".badge").inner_text() == "Not for sale"
    assert entry(frame, "gold-hex").locator("button").count() == 0
    assert "not for sale" in frame.locator("#store .store-note").inner_text()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_store_fits_the_popover_and_works_from_the_keyboard(browser_page, widget_host, shop, theme, tmp_path):
    page = browser_page
    frame = open_picker(page, widget_host, shop, theme=theme)
    frame.locator("#search:focus").wait_for()  # visibility {visible: true} put the cursor there
    page.keyboard.press("Tab")
    assert frame.evaluate("document.activeElement.id") == "store-button"
    page.keyboard.press("Enter")
    frame.locator("#store li.item").first.wait_for()
    assert frame.evaluate("document.activeElement.textContent") == "Store"  # the store's heading
    assert frame.locator("#store-button").get_attribute("aria-expanded") == "true"
    assert frame.evaluate("document.documentElement.scrollWidth") <= 300
    for selector in ("#store-button", '#store li[data-pack="gold-hex"] button.act'):
        box = frame.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 300 and box["y"] + box["height"] <= 300, box
    background = frame.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(21, 25, 30)" if theme == "dark" else "rgb(255, 255, 255)")
    page.screenshot(path=str(tmp_path / f"store-{theme}.png"))

    frame.locator("#search").focus()
    page.keyboard.type("gold")  # the search box filters the store while it is open
    assert frame.locator("#store li.item:visible").evaluate_all("rows => rows.map(r => r.dataset.pack)") == [
        "gold-hex"]
    page.keyboard.press("ArrowDown")
    assert frame.evaluate("document.activeElement.closest('li').dataset.pack") == "gold-hex"
    page.keyboard.press("Tab")
    assert frame.evaluate("document.activeElement.textContent") == "Buy $0.50"
    with page.context.expect_page() as new_tab:  # Enter is a user gesture too
        page.keyboard.press("Enter")
    new_tab.value.wait_for_url("**/c/pay/*")
    entry(frame, "gold-hex").locator(".item-meta", has_text="awaiting payment").wait_for()
    assert frame.evaluate("document.activeElement.textContent") == "Buy $0.50"  # focus kept across re-renders
    page.keyboard.press("Escape")
    assert frame.locator("#store").is_hidden() and frame.locator("#packs").is_visible()
    assert frame.evaluate("document.activeElement.id") == "store-button"
    assert frame.locator("#search").input_value() == ""


def test_a_store_that_could_not_load_offers_a_retry(browser_page, live_server, runner, tmp_path):
    imported_pack(tmp_path / "blobs", "blobs", name="Blobs", runner=runner, bodies=["Blob"], size=(160, 160))
    page = browser_page
    calls = []

    def first_call_fails(route):  # the connection drops once, as on a flaky network
        calls.append(route.request.url)
        if len(calls) == 1:
            route.abort("connectionrefused")
        else:
            route.continue_()

    page.route("**/api/v1/store", first_call_fails)
    page.goto(live_server.url + "/api/widgets/stickerpicker?theme=light")
    page.locator("#store-button").click()
    status = page.locator("#store p.empty[role=status]")
    status.get_by_role("button", name="Retry").wait_for()
    assert status.inner_text().startswith("Could not load the store (the server did not answer).")
    assert page.locator("#store li.item").count() == 0
    page.keyboard.press("Tab")  # from the store's heading, where opening put the focus
    assert page.evaluate("document.activeElement.textContent") == "Retry"
    page.keyboard.press("Enter")
    page.locator('#store li[data-pack="blobs"]').wait_for()
    assert len(calls) == 2 and status.is_hidden()
    assert page.evaluate("document.activeElement.textContent") == "Store"  # not lost with the button


def test_a_large_store_loads_more_packs_and_searches_on_the_server(browser_page, live_server):
    for n in range(1, 61):  # 60 packs: more than a page (50)
        pack_row(f"pack-{n:02d}", name="Zebra" if n == 58 else f"Pack {n:02d}", position=n)
    page = browser_page
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "/api/v1/store" in request.url else None)
    page.goto(live_server.url + "/api/widgets/stickerpicker?theme=light")
    page.locator("#store-button").click()
    rows = page.locator("#store li.item")
    rows.first.wait_for()
    assert rows.count() == 50
    more = page.get_by_role("button", name="More packs")
    assert more.is_visible()
    # Not in the 50 loaded rows: the server finds it.
    page.locator("#search").fill("zebra")
    page.locator('#store li[data-pack="pack-58"]').wait_for()
    wait_until(lambda: rows.count() == 1)
    assert any("q=zebra" in url for url in asked) and more.is_hidden()
    page.locator("#search").fill("")
    wait_until(lambda: rows.count() == 50)
    more.scroll_into_view_if_needed()  # scrolling to the end loads the next page
    page.locator('#store li[data-pack="pack-60"]').wait_for()
    assert rows.count() == 60 and more.is_hidden()
    # The whole catalogue is here now: search filters the rows without asking the server.
    before = len(asked)
    page.locator("#search").fill("pack 07")
    wait_until(lambda: page.locator("#store li.item:not([hidden])").count() == 1)
    page.wait_for_timeout(400)  # longer than the search delay: no request went out
    assert len(asked) == before
