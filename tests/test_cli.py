"""The packs command group: import, list, and the demo packs that `make run` imports."""
from __future__ import annotations

import glob
import os

from sqlalchemy import func, select

from app.extensions import db
from app.models import Pack, Sticker
from tests.factories import write_pack

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_list_without_packs_says_how_to_import(runner):
    result = runner.invoke(args=["packs", "list"])
    assert result.exit_code == 0
    assert "No packs yet" in result.output and "packs import PATH" in result.output


def test_import_reports_each_pack_and_list_shows_price_and_publishing(runner, tmp_path):
    free = write_pack(tmp_path / "blobs", "blobs", count=3)
    paid = write_pack(tmp_path / "shiny", "shiny", count=2, price={"amount": 250, "currency": "eur"})

    result = runner.invoke(args=["packs", "import", str(free), str(paid)])

    assert result.exit_code == 0, result.output
    assert "Pack blobs: created, 3 stickers." in result.output
    assert "Pack shiny: created, 2 stickers." in result.output
    assert "[blobs] 3/3 2.png" in result.output  # progress
    db.session.scalars(select(Sticker)).first().mxc_uri = "mxc://hs.example/x"
    db.session.commit()

    listing = runner.invoke(args=["packs", "list"]).output.splitlines()

    assert listing[0].split()[:2] == ["blobs", "Blobs"] and "free" in listing[0]
    assert "published" in listing[0] and listing[0].endswith("1/3 published")
    assert "€2.50" in listing[1] and listing[1].endswith("0/2 published")


def test_reimport_says_unchanged(runner, tmp_path):
    folder = write_pack(tmp_path / "blobs", count=1)
    runner.invoke(args=["packs", "import", str(folder)])
    result = runner.invoke(args=["packs", "import", str(folder)])
    assert result.exit_code == 0
    assert "Pack blobs: unchanged, 1 stickers." in result.output


def test_import_error_exits_1_with_the_reason(runner, tmp_path):
    folder = write_pack(tmp_path / "bad", count=2)
    (folder / "1.png").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")

    result = runner.invoke(args=["packs", "import", str(folder)])

    assert result.exit_code == 1
    assert "Error:" in result.stderr and "1.png: SVG is not accepted" in result.stderr
    assert db.session.scalar(select(func.count()).select_from(Pack)) == 0


def test_import_of_a_missing_path_exits_1(runner, tmp_path):
    result = runner.invoke(args=["packs", "import", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "no such file or folder" in result.stderr


def test_each_path_is_its_own_transaction(runner, tmp_path):
    good = write_pack(tmp_path / "good", "good", count=1)
    bad = tmp_path / "bad"
    bad.mkdir()

    result = runner.invoke(args=["packs", "import", str(good), str(bad)])

    assert result.exit_code == 1
    assert "Pack good: created" in result.output and "no pack.json" in result.stderr
    assert db.session.scalars(select(Pack.slug)).all() == ["good"]


def test_the_committed_demo_packs_import(runner):
    folders = sorted(glob.glob(os.path.join(ROOT, "demo_packs", "*", "")))
    assert len(folders) >= 3

    result = runner.invoke(args=["packs", "import", *folders])

    assert result.exit_code == 0, result.output
    packs = {pack.slug: pack for pack in db.session.scalars(select(Pack))}
    assert {"hexagons", "weather", "matrix-hex"} <= set(packs)
    for pack in packs.values():
        assert len(pack.stickers) >= 16
        assert pack.license in ("CC0-1.0", "CC-BY-4.0") and "Hexpack contributors" in pack.attribution
        assert all(s.body and s.emoji and s.tags for s in pack.stickers)
    assert (packs["matrix-hex"].price_amount, packs["matrix-hex"].currency) == (50, "usd")
    assert packs["hexagons"].price_amount == packs["weather"].price_amount == 0
    mimetypes = {s.mimetype for pack in packs.values() for s in pack.stickers}
    assert {"image/png", "image/gif", "image/webp"} <= mimetypes  # the animated paths are exercised
