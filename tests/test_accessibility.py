"""axe-core (pinned in tests/widget_host/package-lock.json) on every page, light and dark, in Chromium.

Each page is opened on a live server with packs, a signed-in user and orders in place; axe's script is
injected (the context bypasses the pages' CSP for that only) and any violation fails the test, listed
with its rule, impact and the offending elements.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image, ImageDraw

from app.auth.tokens import get_or_create_user, issue_token
from app.extensions import db
from app.integrations import terms
from app.models import TermsAcceptance
from app.packs.importer import import_path
from tests.payments.flows import start_checkout

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "widget_host" / "node_modules" / "axe-core" / "axe.min.js"
SCHEMES = ("light", "dark")
DESKTOP = {"width": 1280, "height": 900}
POPOVER = {"width": 300, "height": 300}


@pytest.fixture
def app_config(app_config, fake_stripe):
    return {**app_config, **fake_stripe.app_settings()}


def make_pack(folder: Path, slug: str, name: str, *, price: int = 0, count: int = 6) -> None:
    folder.mkdir()
    stickers = []
    for index in range(count):
        image = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
        ImageDraw.Draw(image).regular_polygon((80, 80, 70), 6, fill=(30 + 30 * index, 140, 220 - 30 * index, 255))
        image.save(folder / f"{index}.png")
        stickers.append({"file": f"{index}.png", "body": f"{name} {index}", "emoji": "⬡"})
    (folder / "pack.json").write_text(json.dumps({
        "name": name, "slug": slug, "license": "CC-BY-4.0", "attribution": "Drawn for the tests",
        "author": "Hex Artist", "description": f"{count} hexagons.", "stickers": stickers,
        "price": {"amount": price, "currency": "usd"} if price else 0}))
    import_path(str(folder))


class Site:
    pass


@pytest.fixture
def site(app, client, live_server, tmp_path):
    """Two packs (one free, one $0.50), a user who accepted the terms, an unpaid order."""
    make_pack(tmp_path / "blobs", "blobs", "Blobs")
    make_pack(tmp_path / "gold", "gold-hex", "Gold Hex", price=50, count=1)
    user = get_or_create_user("@alice:example.org")
    for policy in terms.POLICIES:
        db.session.add(TermsAcceptance(user_id=user.id, policy=policy.key, version=policy.version))
    db.session.commit()
    buyer = type("Buyer", (), {"headers": {"Authorization": f"Bearer {issue_token(user=user, kind='widget')}"}})
    order = start_checkout(client, buyer, "gold-hex")
    session_id = order["checkout_url"].rsplit("/", 1)[1]
    s = Site()
    s.url = live_server.url
    s.paths = {
        "packs": "/packs",
        "pack": "/packs/blobs",
        "paid-pack": "/packs/gold-hex",
        "terms": "/terms/" + terms.POLICIES[0].document("en"),
        "checkout-success": f"/checkout/success?session_id={session_id}",
        "checkout-cancel": "/checkout/cancel?pack=gold-hex",
        "not-found": "/packs/no-such-pack",
        "manager-signed-out": "/manager?theme={scheme}",
        "manager": f"/manager?scalar_token={quote(issue_token(user=user, kind='im'))}&theme={{scheme}}",
        "picker": "/api/widgets/stickerpicker?theme={scheme}",
        "store-tab": "/api/widgets/stickerpicker?theme={scheme}",
    }
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


def open_page(chromium, site, name: str, scheme: str):
    picker = name in ("picker", "store-tab")
    context = chromium.new_context(viewport=POPOVER if picker else DESKTOP, color_scheme=scheme, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(site.url + site.paths[name].format(scheme=scheme))
    if name == "store-tab":
        page.locator("#store-button").click()
        page.locator("#store li.item").first.wait_for()
    return context, page


# The store tab's markup is built by store.js; this one needs a JS change (see the reason).
STORE_TAB_BUY_LABEL = pytest.mark.xfail(strict=True, reason=(
    "label-content-name-mismatch: store.js gives the Buy button the visible text 'Buy $0.50' but the "
    "aria-label 'Buy Gold Hex for $0.50 (opens ...)', which does not contain it; the label must start "
    "with the visible text, e.g. 'Buy $0.50: Gold Hex (opens Stripe Checkout in a new tab)'"))
PAGES = ("packs", "pack", "paid-pack", "terms", "checkout-success", "checkout-cancel", "not-found",
         "manager-signed-out", "manager", "picker", pytest.param("store-tab", marks=STORE_TAB_BUY_LABEL))


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", PAGES)
def test_no_axe_violations(chromium, site, name, scheme):
    assert AXE.exists(), "axe-core is missing: run 'make setup-test' (npm ci in tests/widget_host)"
    context, page = open_page(chromium, site, name, scheme)
    try:
        violations = axe_violations(page)
    finally:
        context.close()
    assert violations == [], f"{name} ({scheme}):\n{describe(violations)}"
