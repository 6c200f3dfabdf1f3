"""The packs command group: import, list, and the demo packs that `make run` imports."""
from __future__ import annotations

import glob
import json
import os
import zipfile

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Pack, Sticker
from tests.factories import write_pack
from tests.support.packs import png_bytes

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
    # "published" is the pack's store status; stickers uploaded to the homeserver are counted apart.
    assert "published" in listing[0] and listing[0].endswith("1/3 on homeserver")
    assert "€2.50" in listing[1] and listing[1].endswith("0/2 on homeserver")


def test_reimport_says_unchanged(runner, tmp_path):
    folder = write_pack(tmp_path / "blobs", count=1)
    runner.invoke(args=["packs", "import", str(folder)])
    result = runner.invoke(args=["packs", "import", str(folder)])
    assert result.exit_code == 0
    assert "Pack blobs: unchanged, 1 sticker." in result.output


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


def test_a_second_import_of_unchanged_packs_decodes_no_image(runner, tmp_path):
    folder = write_pack(tmp_path / "blobs", count=3)
    first = runner.invoke(args=["packs", "import", str(folder)])
    assert "[blobs] 3/3 2.png" in first.output  # one progress line per decoded image

    again = runner.invoke(args=["packs", "import", str(folder)])

    assert again.exit_code == 0, again.output
    assert "[blobs] unchanged since its last import: skipped" in again.output
    assert "/3 " not in again.output  # no image was decoded
    assert "Pack blobs: unchanged, 3 stickers." in again.output
    revision = db.session.scalar(select(Pack.revision))
    (folder / "1.png").write_bytes(png_bytes((250, 20, 20), label=1))  # one byte-level change: import again
    changed = runner.invoke(args=["packs", "import", str(folder)])
    assert "[blobs] 3/3 2.png" in changed.output and "Pack blobs: updated, 3 stickers." in changed.output
    assert db.session.scalar(select(Pack.revision)) > revision


def _manifest(folder, **changes):
    data = json.loads((folder / "pack.json").read_text())
    for key, value in changes.items():
        if key.startswith("sticker_"):
            data["stickers"][0][key.removeprefix("sticker_")] = value
        else:
            data[key] = value
    (folder / "pack.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def test_import_goes_on_after_each_failure_and_exits_1_at_the_end(runner, tmp_path):
    renamed = write_pack(tmp_path / "renamed", "renamed", count=2)
    (renamed / "1.png").write_text("hello, I am a text file\n")
    not_zip = tmp_path / "pack.zip"
    not_zip.write_text("just some notes\n")
    misspelt = _manifest(write_pack(tmp_path / "misspelt", "misspelt", count=1), descripton="x")
    first = write_pack(tmp_path / "first", "first", count=1)
    last = write_pack(tmp_path / "last", "last", count=1)

    result = runner.invoke(args=["packs", "import", str(first), str(renamed), str(not_zip), str(misspelt), str(last)])

    assert result.exit_code == 1
    assert "Pack first: created" in result.output and "Pack last: created" in result.output
    errors = result.stderr
    assert f"{renamed}: pack 'renamed': 1.png: not an accepted image" in errors
    assert "the file is text ('hello, I am a text file'...), not an image; was it renamed?" in errors
    assert "BytesIO" not in errors
    assert f"{not_zip}: named .zip but it is not a zip archive: the file is text" in errors
    assert "unknown key 'descripton'. Did you mean 'description'?" in errors
    assert "3 of 5 paths failed" in errors
    assert sorted(db.session.scalars(select(Pack.slug))) == ["first", "last"]


def test_a_misspelt_sticker_key_is_refused_with_a_suggestion(runner, tmp_path):
    folder = _manifest(write_pack(tmp_path / "typo", count=1), sticker_emoij="🙂")
    result = runner.invoke(args=["packs", "import", str(folder)])
    assert result.exit_code == 1
    assert "sticker #1 (0.png): unknown key 'emoij'. Did you mean 'emoji'?" in result.stderr


@pytest.mark.parametrize("changes, reason", [
    ({"name": "Blobs\u0000"}, "pack 'blobs' 'name' contains a control character (U+0000 NUL)"),
    ({"author": "me\u001b[31m"}, "'author' contains a control character (U+001B)"),
    ({"name": "Blobs \u202egnp.exe"}, "'name' contains a bidirectional control character "
                                       "(U+202E RIGHT-TO-LEFT OVERRIDE)"),
    ({"sticker_body": "cat\u0000"}, "sticker #1 ('0.png') 'body' contains a control character (U+0000 NUL)"),
    ({"sticker_tags": ["ok", "\u2066x"]}, "'tags' contains a bidirectional control character (U+2066"),
    ({"sticker_id": "a\u0007"}, "'id' contains a control character (U+0007)"),
], ids=["nul-name", "escape-author", "rlo-name", "nul-body", "isolate-tag", "bell-id"])
def test_control_and_bidi_characters_are_refused_and_the_next_path_is_imported(runner, tmp_path, changes, reason):
    bad = _manifest(write_pack(tmp_path / "bad", "blobs", count=1), **changes)
    good = write_pack(tmp_path / "good", "good", count=1)

    result = runner.invoke(args=["packs", "import", str(bad), str(good)])

    assert result.exit_code == 1
    assert reason in result.stderr
    assert "Traceback" not in result.output
    assert db.session.scalars(select(Pack.slug)).all() == ["good"]


def test_multiline_texts_keep_their_line_breaks(runner, tmp_path):
    folder = _manifest(write_pack(tmp_path / "blobs", count=1), description="One.\nTwo.\tTabbed.")
    result = runner.invoke(args=["packs", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Pack.description)) == "One.\nTwo.\tTabbed."


@pytest.mark.parametrize("command", ["upload", "publish"])
def test_upload_and_its_old_name_publish_say_what_to_set(runner, command):
    result = runner.invoke(args=["packs", command])
    assert result.exit_code == 1
    assert "MATRIX_HOMESERVER_URL and MATRIX_ACCESS_TOKEN to upload stickers to the homeserver" in result.output


def test_an_unexpected_error_on_one_path_is_reported_and_the_next_path_imported(runner, tmp_path):
    """Not only domain errors: here zipfile's NotImplementedError for Deflate64 (what Windows uses
    for big archives), which the importer does not translate."""
    first = write_pack(tmp_path / "first", "first", count=1)
    last = write_pack(tmp_path / "last", "last", count=1)
    archive = tmp_path / "deflate64.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("pack.json", (first / "pack.json").read_text())
    data = bytearray(archive.read_bytes())
    for signature, method_offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.index(signature) + method_offset
        data[at:at + 2] = (9).to_bytes(2, "little")  # compression method 9: Deflate64
    archive.write_bytes(bytes(data))

    result = runner.invoke(args=["packs", "import", str(first), str(archive), str(last)])

    assert result.exit_code == 1
    assert f"Error: {archive}: NotImplementedError: " in result.stderr
    assert "Traceback" not in result.stderr
    assert "Pack first: created" in result.output and "Pack last: created" in result.output
    assert f"1 of 3 paths failed, nothing was written for them: {archive}" in result.stderr
    assert sorted(db.session.scalars(select(Pack.slug))) == ["first", "last"]
