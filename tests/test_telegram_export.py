"""A Telegram Desktop chat export (result.json and stickers/, as a folder or a zip) imports as one
pack through `flask packs import`, with emoji from sticker_emoji and each sticker once."""
from __future__ import annotations

import json
import zipfile

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Blob, Pack, Sticker
from tests.support.packs import png_bytes, zip_members
from tests.support.telegram import telegram_export, tgs_bytes, webm_bytes, webp_chunks


@pytest.fixture(scope="module")
def files():
    """(file name, bytes, emoji) as Telegram Desktop writes them: generic names, one sent twice."""
    hop, wave = tgs_bytes(frames=20, fps=30), webm_bytes(frames=8)
    return [("AnimatedSticker.tgs", hop, "🐸"), ("sticker.webm", wave, "👋"), ("sticker.webp", png_bytes(), "👍"),
            ("AnimatedSticker (1).tgs", hop, "🐸")]


def counts() -> list[int]:
    return [db.session.scalar(select(func.count()).select_from(model)) for model in (Pack, Sticker, Blob)]


def import_(runner, *args):
    return runner.invoke(args=["packs", "import", *map(str, args)])


def assert_imported(slug: str, name: str) -> Pack:
    pack = db.session.scalar(select(Pack).where(Pack.slug == slug))
    assert pack is not None and pack.name == name and pack.price_amount == 0
    assert "Telegram Desktop export" in pack.license and "an export does not record" in pack.attribution
    stickers = sorted(pack.stickers, key=lambda s: s.position)
    assert [(s.emoji, s.body, s.mimetype) for s in stickers] == [
        ("🐸", "🐸", "image/webp"), ("👋", "👋", "image/webp"), ("👍", "👍", "image/png")]
    for sticker in stickers[:2]:  # .tgs and .webm: animated, with a still poster for the store
        assert "ANMF" in webp_chunks(db.session.get(Blob, sticker.image_sha256).data)
        assert sticker.poster_sha256 is not None
    return pack


def test_export_folder_imports_as_a_pack_named_after_the_chat(runner, tmp_path, files):
    export = telegram_export(tmp_path / "ChatExport_2026-11-30", files, chat="Frog Friends")

    result = import_(runner, export)

    assert result.exit_code == 0, result.output
    assert "Pack frog-friends: created, 3 stickers." in result.output
    pack = assert_imported("frog-friends", "Frog Friends")
    keys = {s.key for s in pack.stickers}

    again = import_(runner, export)  # a re-import matches stickers by content
    assert "Pack frog-friends: unchanged, 3 stickers." in again.output
    more = telegram_export(export, [*files, ("sticker (2).webp", png_bytes(label=7), "")], chat="Frog Friends")
    updated = import_(runner, more)
    assert "Pack frog-friends: updated, 4 stickers." in updated.output
    db.session.expire_all()
    stickers = db.session.scalar(select(Pack)).stickers
    assert keys < {s.key for s in stickers} and stickers[-1].body == "Sticker 4" and stickers[-1].emoji == ""


def test_export_zip_imports_with_the_name_and_slug_chosen_on_the_command_line(runner, tmp_path, files):
    export = telegram_export(tmp_path / "export", files, chat="Привет")
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(export.rglob("*")):
            zipped.write(path, "ChatExport_2026-11-30/" + path.relative_to(export).as_posix())

    result = import_(runner, archive, "--name", "Frogs from Telegram", "--slug", "tg-frogs")

    assert result.exit_code == 0, result.output
    assert "Pack tg-frogs: created, 3 stickers." in result.output
    assert_imported("tg-frogs", "Frogs from Telegram")


def test_a_chat_name_without_latin_letters_falls_back_to_the_chat_id(runner, tmp_path, files):
    result = import_(runner, telegram_export(tmp_path / "e", files[:1], chat="Привет"))
    assert result.exit_code == 0, result.output
    assert "Pack telegram-4242: created, 1 sticker." in result.output
    assert db.session.scalar(select(Pack.name)) == "Привет"


def test_placeholders_and_other_messages_are_skipped(runner, tmp_path, files):
    skipped = [{"id": 90, "type": "message", "media_type": "sticker", "sticker_emoji": "😶",
                "file": "(File not included. Change data exporting settings to download.)"},
               {"id": 91, "type": "message", "photo": "photos/p.jpg", "text": "a photo"}]
    result = import_(runner, telegram_export(tmp_path / "e", files[:2], extra_messages=skipped))
    assert result.exit_code == 0, result.output
    assert "2 stickers" in result.output


@pytest.mark.parametrize("change, reason", [
    ({"messages": "nope"}, "not a Telegram Desktop chat export (expected a 'messages' list)"),
    ({"messages": [], "chats": {"list": []}}, None),
    ({"messages": [{"id": 5, "media_type": "sticker", "file": "../../etc/passwd", "sticker_emoji": "x"}]},
     "message 5: path traversal in archive refused"),
    ({"messages": [{"id": 6, "media_type": "sticker", "file": "stickers/gone.webp"}]},
     "message 6: stickers/gone.webp: file not found"),
    ({"messages": [{"id": 7, "type": "message", "text": "no stickers here"}]}, "the export holds no sticker files"),
])
def test_bad_exports_are_refused_and_write_nothing(runner, tmp_path, files, change, reason):
    export = telegram_export(tmp_path / "e", files)
    result_json = export / "result.json"
    data = {**json.loads(result_json.read_text()), **change}
    if "chats" in change:
        data.pop("messages")
        reason = "this is a whole-account export"
    result_json.write_text(json.dumps(data))

    result = import_(runner, export)

    assert result.exit_code == 1
    assert f"{export}/result.json: " in result.stderr and reason in result.stderr
    assert counts() == [0, 0, 0]


def test_a_bad_sticker_in_an_export_names_the_file_and_writes_nothing(runner, tmp_path, files):
    export = telegram_export(tmp_path / "e", [*files, ("loud.webm", webm_bytes(audio=True), "🔊")])
    result = import_(runner, export)
    assert result.exit_code == 1
    assert "stickers/loud.webm: the video has an audio track" in result.stderr
    assert counts() == [0, 0, 0]


def test_zip_protections_apply_to_exports(runner, tmp_path):
    traversal = zip_members(tmp_path / "evil.zip", {"result.json": b'{"messages": []}', "../escape.webp": b"x"})
    result = import_(runner, traversal)
    assert result.exit_code == 1 and "path traversal in archive refused" in result.stderr
    bomb = zip_members(tmp_path / "bomb.zip", {
        "result.json": json.dumps({"messages": [{"id": 1, "media_type": "sticker", "file": "stickers/a.webp"}]}).encode(),
        "stickers/a.webp": b"\0" * (6 * 1024 * 1024)})
    result = import_(runner, bomb)
    assert result.exit_code == 1 and "stickers/a.webp: file is larger than the limit" in result.stderr
    assert counts() == [0, 0, 0]


def test_name_and_slug_options_need_one_telegram_export(runner, tmp_path, files):
    export = telegram_export(tmp_path / "e", files[:1])
    two = import_(runner, export, export, "--slug", "x")
    assert two.exit_code == 2 and "give a single PATH" in two.output
    bad_slug = import_(runner, export, "--slug", "Not A Slug")
    assert bad_slug.exit_code == 1 and "slug 'Not A Slug' must be lowercase" in bad_slug.stderr
    from tests.factories import write_pack
    manifest_pack = import_(runner, write_pack(tmp_path / "p", "p", count=1), "--name", "X")
    assert manifest_pack.exit_code == 1 and "can only be chosen for a Telegram Desktop export" in manifest_pack.stderr
    (export / "result.json").unlink()
    (export / "messages.html").write_text("<html></html>")
    html = import_(runner, export)
    assert html.exit_code == 1 and "export the chat again with the format 'Machine-readable JSON'" in html.stderr
    assert counts() == [0, 0, 0]
