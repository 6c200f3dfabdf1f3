"""axe-core on the pages added for signed-in web users (admin users and audit screens, the revoke
confirmation, the signed-in /signin page, a pack page with Buy and one owned), light and dark."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Entitlement
from app.packs.ownership import grant_pack, revoke_pack
from app.signin.services import web_login_link
from tests.admin.conftest import ROOT
from tests.factories import order, pack_row, user
from tests.test_accessibility import AXE, axe_violations, describe

pytestmark = pytest.mark.browser
ALICE = "@alice.with.a.rather.long.name:matrix.example.org"
PAGES = {
    "users": "/admin/users",
    "users-search-empty": "/admin/users?q=nobody",
    "user": f"/admin/users/{ALICE}",
    "user-unknown": "/admin/users/@ghost:example.org",
    "revoke": f"/admin/users/revoke?user_id={ALICE}&pack=gold-hex",
    "audit": "/admin/audit",
    "audit-empty-filter": "/admin/audit?actor=nobody",
    "signin-signed-in": "/signin",
    "pack-buy": "/packs/gold-hex",
    "pack-owned": "/packs/freebies",
}


@pytest.fixture
def app_config(app_config, fake_stripe):
    return {**app_config, **fake_stripe.app_settings()}


@pytest.fixture
def site(app, live_server):
    app.config["PUBLIC_URL"] = live_server.url
    alice, root = user(ALICE), user(ROOT)
    paid, free = pack_row("gold-hex", name="Gold Hex", price=50), pack_row("freebies", price=0)
    pack_row("hidden-one", status="hidden")
    bought = order(alice, paid, status="paid", public_id="ord_7f3a9c0d1e2b4a5f6c7d8e9f")
    db.session.add(Entitlement(user_id=alice.id, pack_id=paid.id, source="purchase", order_id=bought.id))
    db.session.add(Entitlement(user_id=root.id, pack_id=free.id, source="free"))
    db.session.commit()
    grant_pack(matrix_id=ALICE, slug="hidden-one", actor=ROOT, note="contest prize")
    revoke_pack(matrix_id=ALICE, slug="hidden-one", actor=ROOT)
    return live_server


@pytest.mark.parametrize("scheme", ("light", "dark"))
def test_no_axe_violations_on_signed_in_pages(chromium, site, scheme):
    assert AXE.exists(), "axe-core is missing: run 'make setup-test' (npm ci in tests/widget_host)"
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(web_login_link(user(ROOT), "/admin"))
    page.click("button[type=submit]")
    page.wait_for_url(site.url + "/admin")
    failures = []
    try:
        for name, path in PAGES.items():
            response = page.goto(site.url + path)
            assert response.status == 200, f"{name}: HTTP {response.status}"
            violations = axe_violations(page)
            if violations:
                failures.append(f"{name} ({scheme}):\n{describe(violations)}")
    finally:
        context.close()
    assert failures == [], "\n".join(failures)
