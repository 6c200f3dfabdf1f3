"""flask entitlements grant|revoke|list."""
from app.extensions import db
from app.models import Entitlement
from tests.factories import pack_row


def test_grant_list_revoke(runner):
    pack_row()
    granted = runner.invoke(args=["entitlements", "grant", "@carol:example.org", "hexes"])
    assert granted.exit_code == 0 and "Granted hexes to @carol:example.org." in granted.output
    again = runner.invoke(args=["entitlements", "grant", "@carol:example.org", "hexes"])
    assert "already has hexes (source: grant)" in again.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Entitlement)) == 1

    listed = runner.invoke(args=["entitlements", "list", "--user", "@carol:example.org"])
    assert "@carol:example.org" in listed.output and "hexes" in listed.output and "1 entitlement(s)." in listed.output

    revoked = runner.invoke(args=["entitlements", "revoke", "@carol:example.org", "hexes"])
    assert revoked.exit_code == 0 and "Revoked hexes" in revoked.output
    assert "revoked" in runner.invoke(args=["entitlements", "list"]).output
    assert "No entitlements." in runner.invoke(args=["entitlements", "list", "--active"]).output
    assert "nothing changed" in runner.invoke(args=["entitlements", "revoke", "@carol:example.org", "hexes"]).output

    restored = runner.invoke(args=["entitlements", "grant", "@carol:example.org", "hexes"])
    assert "Granted" in restored.output
    assert db.session.scalar(db.select(Entitlement)).revoked_at is None


def test_clear_errors(runner):
    pack_row()
    bad_id = runner.invoke(args=["entitlements", "grant", "carol", "hexes"])
    assert bad_id.exit_code == 1 and "is not a Matrix user ID" in bad_id.output
    no_pack = runner.invoke(args=["entitlements", "grant", "@carol:example.org", "nope"])
    assert no_pack.exit_code == 1 and "No pack named 'nope'" in no_pack.output
    no_user = runner.invoke(args=["entitlements", "revoke", "@nobody:example.org", "hexes"])
    assert no_user.exit_code == 1 and "has no packs here" in no_user.output
