"""axe-core (pinned in tests/widget_host/package-lock.json) on every page, light and dark, in Chromium.

Each page is opened on a live server with packs, a signed-in user and orders in place, in the state
named (the signed-in picker with favourites, recently used stickers and the Manage button; the
signed-in store tab with an owned pack and a Buy button; a paid and an unpaid checkout; the 503 a
loopback PUBLIC_URL gives another host; an empty store); axe's script is injected (the context bypasses the pages' CSP for that only) and any violation fails the test, listed
with its rule, impact and the offending elements.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from app.extensions import db
from app.integrations import terms
from app.library.services import add_favourite
from app.models import TermsAcceptance
from tests.factories import grant, imported_pack, price, signed_in_user
from tests.payments.flows import paid_session, start_checkout

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "widget_host" / "node_modules" / "axe-core" / "axe.min.js"
SCHEMES = ("light", "dark")
DESKTOP = {"width": 1280, "height": 900}
POPOVER = {"width": 300, "height": 300}


@pytest.fixture
def app_config(app_config, fake_stripe):
    return {**app_config, **fake_stripe.app_settings()}


class Site:
    """The live server's URL and the pages to check, by name (paths may hold {scheme})."""


REMOTE_HOST = "stickers.example.org"  # not loopback, while PUBLIC_URL is: the app answers 503


def accepted_terms(person) -> None:
    for policy in terms.POLICIES:
        db.session.add(TermsAcceptance(user_id=person.user.id, policy=policy.key, version=policy.version))
    db.session.commit()


@pytest.fixture
def site(app, client, live_server, fake_stripe, tmp_path):
    """Three packs (Blobs free, Gold Hex $0.50, Silver Hex $0.50 granted to Alice); Alice accepted the
    terms, starred a sticker and has an unpaid Gold Hex order; Bob paid for Gold Hex on the fake Stripe."""
    blobs = imported_pack(tmp_path / "blobs", "blobs", name="Blobs", author="Hex Artist", count=6, size=(160, 160))
    imported_pack(tmp_path / "gold", "gold-hex", name="Gold Hex", author="Hex Artist", price=price(50), count=1,
                  size=(160, 160))
    silver = imported_pack(tmp_path / "silver", "silver-hex", name="Silver Hex", author="Hex Artist",
                           price=price(50), count=2, size=(160, 160))
    alice, bob = signed_in_user("@alice:example.org"), signed_in_user("@bob:example.org")
    accepted_terms(alice)
    accepted_terms(bob)
    grant(alice.user, silver)
    add_favourite(user=alice.user, sticker_id=blobs.stickers[0].id)
    unpaid = start_checkout(client, alice, "gold-hex")["checkout_url"].rsplit("/", 1)[1]
    paid, _ = paid_session(client, fake_stripe, bob, "gold-hex")
    picker = f"/api/widgets/stickerpicker?theme={{scheme}}&widgetId=hexpack&scalar_token={quote(alice.token)}"
    alice_im = signed_in_user("@alice:example.org", kind="im")  # the manager's scalar_token
    manager = f"/manager?scalar_token={quote(alice_im.token)}&theme={{scheme}}"
    s = Site()
    s.url = live_server.url
    s.recent_sticker_id = blobs.stickers[1].id  # "recently used" lives in the picker's localStorage
    s.paths = {
        "packs": "/packs",
        "pack": "/packs/blobs",
        "paid-pack": "/packs/gold-hex",
        "terms": "/terms/" + terms.POLICIES[0].document("en"),
        "checkout-success": f"/checkout/success?session_id={unpaid}",
        "checkout-success-paid": f"/checkout/success?session_id={paid['id']}",
        "checkout-cancel": "/checkout/cancel?pack=gold-hex",
        "not-found": "/packs/no-such-pack",
        "signin": "/signin?next=/packs",
        "signin-link-refused": "/auth/matrix/not-a-link",
        "manager-signed-out": "/manager?theme={scheme}",
        "manager": manager,
        "public-url-503": f"http://{REMOTE_HOST}" + manager,
        "picker": "/api/widgets/stickerpicker?theme={scheme}",
        "store-tab": "/api/widgets/stickerpicker?theme={scheme}",
        "picker-signed-in": picker,
        "store-tab-signed-in": picker,
    }
    return s


@pytest.fixture
def empty_site(app, live_server):
    s = Site()
    s.url = live_server.url
    s.paths = {"packs-empty": "/packs"}
    return s


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary.replace(/\\s+/g, " "))}));
    }""")


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node}" for node in violation["nodes"][:8])
    return "\n".join(lines)


def serve_as_remote_host(page, client) -> None:
    """Requests to REMOTE_HOST are answered in-process by the app with that Host header: Chromium
    never leaves loopback, and the app sees the non-loopback Host it refuses to serve a loopback
    PUBLIC_URL to."""
    def answer(route):
        path = route.request.url.split(REMOTE_HOST, 1)[1]
        with client.get(path, headers={"Host": REMOTE_HOST}) as response:
            route.fulfill(status=response.status_code, headers=dict(response.headers), body=response.get_data())
    page.route(f"http://{REMOTE_HOST}/**", answer)


def show_state(page, name: str) -> None:
    """Wait until the page shows what its name promises (opening the store tab where named)."""
    if name == "picker-signed-in":
        page.locator("#hexpack-manage").wait_for()
        page.locator("#pack-_favourites button.s").first.wait_for()
        page.locator("#recent button.s").first.wait_for()
    if name == "checkout-success-paid":
        page.locator(".status-paid").wait_for()
    if name.startswith("store-tab"):
        page.locator("#store-button").click()
        page.locator("#store li.item").first.wait_for()
    if name == "store-tab-signed-in":
        page.locator('#store li.item[data-pack="gold-hex"]').get_by_role("button", name="Buy $0.50").wait_for()
        page.locator('#store li.item[data-pack="silver-hex"] .badge.owned').wait_for()  # granted, in the picker


def open_page(chromium, site, name: str, scheme: str, client=None):
    picker = name.startswith(("picker", "store-tab"))
    context = chromium.new_context(viewport=POPOVER if picker else DESKTOP, color_scheme=scheme, bypass_csp=True)
    context.set_default_timeout(15_000)
    if name == "picker-signed-in":
        recent = json.dumps([{"id": str(site.recent_sticker_id)}])
        context.add_init_script(f"localStorage.setItem('hexpackRecentStickers', {json.dumps(recent)})")
    page = context.new_page()
    path = site.paths[name].format(scheme=scheme)
    if path.startswith("http://"):
        serve_as_remote_host(page, client)
        response = page.goto(path)
    else:
        response = page.goto(site.url + path)
    show_state(page, name)
    return context, page, response


PAGES = ("packs", "pack", "paid-pack", "terms", "checkout-success", "checkout-success-paid", "checkout-cancel",
         "not-found", "manager-signed-out", "manager", "public-url-503", "picker", "store-tab", "picker-signed-in",
         "store-tab-signed-in", "signin", "signin-link-refused")
STATUS = {"signin-link-refused": 400, "not-found": 404, "manager-signed-out": 401, "public-url-503": 503}


def check(chromium, site, name, scheme, client=None):
    assert AXE.exists(), "axe-core is missing: run 'make setup-test' (npm ci in tests/widget_host)"
    context, page, response = open_page(chromium, site, name, scheme, client)
    try:
        assert response.status == STATUS.get(name, 200), f"{name}: HTTP {response.status}"
        violations = axe_violations(page)
    finally:
        context.close()
    assert violations == [], f"{name} ({scheme}):\n{describe(violations)}"


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", PAGES)
def test_no_axe_violations(chromium, client, site, name, scheme):
    check(chromium, site, name, scheme, client)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_axe_violations_on_an_empty_store(chromium, empty_site, scheme):
    check(chromium, empty_site, "packs-empty", scheme)
