"""The audit log: operator actions recorded once with the change, nothing on a rollback, no way to
rewrite a line, and `flask audit list` reading it newest first."""
from __future__ import annotations

import ast
import getpass
import os

import pytest
from sqlalchemy import delete, func, select, update

from app import audit
from app.extensions import db
from app.models import AuditEvent, Entitlement
from app.packs import entitlements
from app.transactions import transaction
from tests.factories import pack_row, user, write_pack

APP_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "app")
CLI_ACTOR = f"cli:{getpass.getuser()}"


def lines(**where) -> list[AuditEvent]:
    db.session.expire_all()
    query = select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
    return list(db.session.scalars(query))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_cli_grant_and_revoke_are_recorded_once_with_the_os_user(runner, app):
    pack_row("hexes")
    assert runner.invoke(args=["entitlements", "grant", "@alice:example.org", "hexes"]).exit_code == 0
    assert runner.invoke(args=["entitlements", "grant", "@alice:example.org", "hexes"]).exit_code == 0  # no change
    assert runner.invoke(args=["entitlements", "revoke", "@alice:example.org", "hexes"]).exit_code == 0
    assert runner.invoke(args=["entitlements", "revoke", "@alice:example.org", "hexes"]).exit_code == 0  # no change
    [granted] = lines(action="entitlement.grant")
    [revoked] = lines(action="entitlement.revoke")
    for line in (granted, revoked):
        assert (line.actor, line.target, line.details["pack"]) == (CLI_ACTOR, "user:@alice:example.org", "hexes")
    assert revoked.details["reason"] == "admin" and granted.id < revoked.id
    assert count() == 2


def test_pack_import_records_created_then_updated_and_nothing_when_unchanged(runner, app, tmp_path):
    folder = write_pack(tmp_path / "blobs", "blobs", count=2)
    for _ in range(2):
        assert runner.invoke(args=["packs", "import", str(folder)]).exit_code == 0
    write_pack(folder, "blobs", count=3)
    assert runner.invoke(args=["packs", "import", str(folder)]).exit_code == 0
    imports = lines(action="pack.import")
    assert [(line.actor, line.target, line.details["outcome"]) for line in imports] == [
        (CLI_ACTOR, "pack:blobs", "created"), (CLI_ACTOR, "pack:blobs", "updated")]
    assert imports[1].details["stickers"] == 3


def test_a_rolled_back_operation_records_nothing(app):
    owner, pack = user("@alice:example.org"), pack_row("hexes")
    with pytest.raises(RuntimeError), transaction():
        entitlements.grant(user_id=owner.id, pack_id=pack.id, source="grant")
        audit.record("cli:someone", "entitlement.grant", "user:@alice:example.org", pack="hexes")
        db.session.flush()  # the line reached the database, inside the transaction
        raise RuntimeError("the operation failed after recording")
    assert count() == 0
    assert db.session.scalar(select(func.count()).select_from(Entitlement)) == 0


def test_a_failed_cli_grant_records_nothing(runner, app):
    result = runner.invoke(args=["entitlements", "grant", "@alice:example.org", "no-such-pack"])
    assert result.exit_code == 1 and count() == 0


@pytest.fixture
def recorded(app) -> AuditEvent:
    with transaction():
        line = audit.record(audit.SYSTEM, "pack.import", "pack:blobs", outcome="created")
    return line


def test_changing_an_audit_line_raises_and_keeps_it(recorded):
    recorded.actor = "@mallory:example.org"
    with pytest.raises(audit.AuditLogIsAppendOnly), transaction():
        pass
    assert [line.actor for line in lines()] == ["system"]


def test_changing_its_details_raises(recorded):
    recorded.details = {"outcome": "forged"}
    with pytest.raises(audit.AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert lines()[0].details == {"outcome": "created"}


def test_deleting_an_audit_line_raises_and_keeps_it(recorded):
    db.session.delete(recorded)
    with pytest.raises(audit.AuditLogIsAppendOnly), transaction():
        pass
    assert count() == 1


@pytest.mark.parametrize("statement", [update(AuditEvent).values(actor="@mallory:example.org"), delete(AuditEvent)])
def test_bulk_update_or_delete_statements_raise(recorded, statement):
    with pytest.raises(audit.AuditLogIsAppendOnly), transaction():
        db.session.execute(statement)
    assert [line.actor for line in lines()] == ["system"]


def _rewrites_audit_events(node: ast.AST) -> bool:
    """update(AuditEvent...) / delete(AuditEvent...), or AuditEvent.query...update()/delete()."""
    if not isinstance(node, ast.Call):
        return False
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
    if name not in ("update", "delete"):
        return False
    mentioned = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    mentioned |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
    return bool(mentioned & {"AuditEvent", "audit_events"})


def _rewriting_lines(source: str) -> list[int]:
    return [node.lineno for node in ast.walk(ast.parse(source)) if _rewrites_audit_events(node)]


def test_no_code_in_app_updates_or_deletes_audit_events():
    offenders = []
    for folder, _dirs, files in os.walk(APP_DIR):
        for name in (n for n in files if n.endswith(".py")):
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as handle:
                source = handle.read()
            offenders += [f"{path}:{line}" for line in _rewriting_lines(source)]
            lowered = source.lower()
            if "update audit_events" in lowered or "delete from audit_events" in lowered:
                offenders.append(f"{path}: SQL text")
    assert offenders == []


def test_the_static_check_would_catch_a_rewrite():
    assert _rewriting_lines("db.session.execute(update(AuditEvent).values(actor='x'))") == [1]
    assert _rewriting_lines("x = 1\ndb.session.query(AuditEvent).filter_by(id=1).delete()") == [2]
    assert _rewriting_lines("db.session.execute(update(Order).values(status='paid'))") == []


def test_cli_lists_newest_first_and_filters(runner, app):
    with transaction():
        audit.record("cli:ops", "entitlement.grant", "user:@alice:example.org", pack="hexes")
        audit.record("stripe", "order.paid", "order:ord_1", pack="hexes")
        audit.record("cli:ops", "entitlement.revoke", "user:@bob:example.org", pack="hexes")
    listing = runner.invoke(args=["audit", "list"])
    assert listing.exit_code == 0, listing.output
    rows = listing.output.splitlines()
    assert [row.split()[3] for row in rows[:3]] == ["entitlement.revoke", "order.paid", "entitlement.grant"]
    assert rows[-1] == "3 event(s)."
    assert '"pack":"hexes"' in rows[0]

    def actions(*args) -> list[str]:
        result = runner.invoke(args=["audit", "list", *args])
        assert result.exit_code == 0, result.output
        return [row.split()[3] for row in result.output.splitlines()[:-1]]

    assert actions("--actor", "cli:ops") == ["entitlement.revoke", "entitlement.grant"]
    assert actions("--action", "order.paid") == ["order.paid"]
    assert actions("--target", "user:@alice:example.org") == ["entitlement.grant"]
    assert actions("--actor", "cli:ops", "--target", "order:ord_1") == []
    assert actions("--limit", "1") == ["entitlement.revoke"]
    assert runner.invoke(args=["audit", "list", "--limit", "0"]).exit_code == 2


def test_sign_in_link_requests_and_sign_ins_are_recorded_without_the_link(app, client):
    from app.audit import recent
    from app.signin.services import request_link, sign_in_with_link
    from app.signin.links import issue_link
    from app.transactions import transaction

    request_link("@carol:example.org")
    with transaction():
        token = issue_link("@carol:example.org")
    sign_in_with_link(token)
    lines = [(line.actor, line.action, line.target) for line in recent(target="user:@carol:example.org")]
    assert lines == [("@carol:example.org", "signin.web", "user:@carol:example.org"),
                     ("system", "signin.link_requested", "user:@carol:example.org")]
    assert all(token not in str(line.details) for line in recent())
