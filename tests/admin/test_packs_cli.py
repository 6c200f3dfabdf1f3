"""flask packs hide|show|remove|delete|set-price|move: the console's actions from a shell, audited as
cli:<os user>, with errors that say what to do next and exit 1."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Pack
from tests.factories import grant, imported_pack, price, signed_in_user


@pytest.fixture
def packs_(app, tmp_path):
    return {"cats": imported_pack(tmp_path / "cats", "cats", count=2),
            "gold": imported_pack(tmp_path / "gold", "gold", count=2, colour=(250, 200, 0), price=price(499))}


def pack(slug: str) -> Pack | None:
    db.session.expire_all()
    return db.session.scalar(select(Pack).where(Pack.slug == slug))


@pytest.mark.parametrize("command, status, says", [
    ("hide", "hidden", "owners keep it"), ("remove", "removed", "nobody sees it"), ("show", "published", "published")])
def test_status_commands(runner, packs_, command, status, says):
    if command == "show":
        pack("gold").status = "hidden"
        db.session.commit()
    result = runner.invoke(args=["packs", command, "gold"])
    assert result.exit_code == 0, result.output
    assert says in result.output and pack("gold").status == status
    line = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pack.status")).one()
    assert line.actor.startswith("cli:") and line.target == "pack:gold"


def test_set_price_takes_minor_units_and_refuses_below_the_minimum(runner, packs_):
    assert "minor units" in runner.invoke(args=["packs", "set-price", "--help"]).output
    ok = runner.invoke(args=["packs", "set-price", "gold", "250"])
    assert ok.exit_code == 0 and "now costs $2.50" in ok.output
    low = runner.invoke(args=["packs", "set-price", "gold", "20"])
    assert low.exit_code == 1 and "smallest charge is 50" in low.output and "use 0 for a free pack" in low.output
    assert pack("gold").price_amount == 250
    free = runner.invoke(args=["packs", "set-price", "gold", "0"])
    assert free.exit_code == 0 and "Gold (gold) is now free." in free.output


def test_move_and_list_follow_the_new_order(runner, packs_):
    result = runner.invoke(args=["packs", "move", "gold", "1"])
    assert result.exit_code == 0 and "is now number 1" in result.output
    listing = runner.invoke(args=["packs", "list"]).output.splitlines()
    assert [line.split()[0] for line in listing] == ["gold", "cats"]
    assert runner.invoke(args=["packs", "move", "gold", "0"]).exit_code == 2  # click: POSITION >= 1


def test_delete_asks_for_confirmation_and_deletes(runner, packs_):
    declined = runner.invoke(args=["packs", "delete", "cats"], input="n\n")
    assert declined.exit_code == 1 and pack("cats") is not None
    result = runner.invoke(args=["packs", "delete", "cats", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Deleted cats" in result.output and pack("cats") is None


def test_deleting_an_owned_pack_says_hide_it_instead_and_exits_1(runner, packs_):
    grant(signed_in_user().user, packs_["gold"], "purchase")
    result = runner.invoke(args=["packs", "delete", "gold", "--yes"])
    assert result.exit_code == 1
    assert "Error:" in result.output and "hide it instead" in result.output
    assert pack("gold") is not None


def test_an_unknown_slug_says_where_to_look(runner, packs_):
    result = runner.invoke(args=["packs", "hide", "nope"])
    assert result.exit_code == 1 and "No pack named 'nope'" in result.output and "packs list" in result.output
