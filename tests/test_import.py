"""Pack import from folders, zips and maunium packs/ folders: results, re-imports and refusals."""
from __future__ import annotations

import io
import json
import os
import random
import struct
import zipfile

import pytest
from PIL import Image, PngImagePlugin
from sqlalchemy import func, select

from app.exceptions import ImportFailed
from app.extensions import db
from app.models import Blob, Pack, Sticker
from app.packs.generation import current_generation
from app.packs.importer import import_path
from tests.factories import manifest, write_pack
from tests.support.packs import animated_bytes, png_bytes, png_claiming_size, zip_folder, zip_members


def row_counts() -> dict[str, int]:
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Pack, Sticker, Blob)}


def stored(sha256: str) -> Image.Image:
    return Image.open(io.BytesIO(db.session.get(Blob, sha256).data))


def stickers_of(slug: str) -> list[Sticker]:
    pack = db.session.scalar(select(Pack).where(Pack.slug == slug))
    return list(pack.stickers)


def assert_refused(app, path, *message_parts: str) -> None:
    """The import fails with a message naming the problem and leaves no trace."""
    with pytest.raises(ImportFailed) as caught:
        import_path(str(path))
    for part in message_parts:
        assert part in caught.value.message
    db.session.rollback()
    assert row_counts() == {"packs": 0, "stickers": 0, "blobs": 0}
    cache = app.config["MEDIA_CACHE_DIR"]
    assert not os.path.exists(cache) or not os.listdir(cache)


# -- happy paths -----------------------------------------------------------------------------------
def test_folder_import_stores_pack_stickers_and_images(app, tmp_path):
    folder = write_pack(tmp_path / "blobs", count=3, price={"amount": 50, "currency": "USD"})

    [result] = import_path(str(folder))

    assert (result.slug, result.created, result.changed, result.stickers) == ("blobs", True, True, 3)
    pack = db.session.scalar(select(Pack))
    assert (pack.name, pack.license, pack.attribution) == ("Blobs", "CC0-1.0", "Hexpack tests")
    assert (pack.price_amount, pack.currency) == (50, "usd")
    assert pack.revision == current_generation()  # stamped by the flush hook (app/packs/generation.py)
    stickers = stickers_of("blobs")
    assert [s.body for s in stickers] == ["Sticker 0", "Sticker 1", "Sticker 2"]
    assert [s.position for s in stickers] == [0, 1, 2]
    first = stickers[0]
    assert (first.emoji, first.tags, first.mxc_uri) == ("🙂", "test t0", None)
    assert (first.mimetype, first.width, first.height) == ("image/png", 200, 160)
    assert first.size == len(db.session.get(Blob, first.image_sha256).data)
    assert stored(first.image_sha256).size == (200, 160)
    thumb = stored(first.thumb_sha256)
    assert (thumb.format, first.thumb_mimetype) == ("WEBP", "image/webp")
    assert max(thumb.size) <= 128 and (first.thumb_width, first.thumb_height) == thumb.size


@pytest.mark.parametrize("top", [None, "blobs-v1"], ids=["flat", "top-folder"])
def test_zip_import_matches_folder_import(app, tmp_path, top):
    folder = write_pack(tmp_path / "src", count=2)
    archive = zip_folder(folder, tmp_path / "blobs.zip", top=top)

    [result] = import_path(str(archive))

    assert result.created and result.stickers == 2
    assert [s.width for s in stickers_of("blobs")] == [200, 200]


def test_large_images_are_scaled_to_512(app, tmp_path):
    folder = write_pack(tmp_path / "big", images={"big.png": png_bytes(size=(1024, 600))})
    import_path(str(folder))
    [sticker] = stickers_of("blobs")
    assert (sticker.width, sticker.height) == (512, 300)


# -- re-imports ------------------------------------------------------------------------------------
def test_reimport_of_the_same_files_changes_nothing(app, tmp_path):
    folder = write_pack(tmp_path / "blobs", count=3)
    import_path(str(folder))
    before, revision = row_counts(), db.session.scalar(select(Pack.revision))

    [again] = import_path(str(folder))

    assert (again.created, again.changed) == (False, False)
    assert row_counts() == before
    assert db.session.scalar(select(Pack.revision)) == revision


def test_reimport_with_a_changed_image_clears_its_mxc_and_bumps_the_revision(app, tmp_path):
    folder = write_pack(tmp_path / "blobs", count=3)
    import_path(str(folder))
    for sticker in stickers_of("blobs"):  # as `packs publish` leaves them
        sticker.mxc_uri, sticker.mxc_homeserver = f"mxc://hs.example/{sticker.key}", "https://hs.example"
    db.session.commit()
    revision = db.session.scalar(select(Pack.revision))
    (folder / "1.png").write_bytes(png_bytes((250, 20, 20), label=1))

    [result] = import_path(str(folder))

    assert result.changed
    assert db.session.scalar(select(Pack.revision)) > revision
    mxcs = [s.mxc_uri for s in stickers_of("blobs")]
    assert mxcs == ["mxc://hs.example/0.png", None, "mxc://hs.example/2.png"]


def test_reimport_with_new_text_keeps_the_mxc(app, tmp_path):
    folder = write_pack(tmp_path / "blobs", count=2)
    import_path(str(folder))
    stickers_of("blobs")[0].mxc_uri = "mxc://hs.example/a"
    db.session.commit()
    revision = db.session.scalar(select(Pack.revision))
    data = json.loads((folder / "pack.json").read_text())
    data["stickers"][0]["body"] = "Renamed"
    (folder / "pack.json").write_text(json.dumps(data))

    import_path(str(folder))

    first = stickers_of("blobs")[0]
    assert (first.body, first.mxc_uri) == ("Renamed", "mxc://hs.example/a")
    assert db.session.scalar(select(Pack.revision)) > revision


def test_reimport_without_a_sticker_deletes_it(app, tmp_path):
    folder = write_pack(tmp_path / "blobs", count=3)
    import_path(str(folder))
    revision = db.session.scalar(select(Pack.revision))
    data = json.loads((folder / "pack.json").read_text())
    del data["stickers"][1]
    (folder / "pack.json").write_text(json.dumps(data))

    import_path(str(folder))

    assert [s.key for s in stickers_of("blobs")] == ["0.png", "2.png"]
    assert [s.position for s in stickers_of("blobs")] == [0, 1]
    assert db.session.scalar(select(func.count()).select_from(Sticker)) == 2
    assert db.session.scalar(select(Pack.revision)) > revision


def test_a_failed_reimport_leaves_the_previous_version(app, tmp_path):
    folder = write_pack(tmp_path / "blobs", count=2)
    import_path(str(folder))
    before, revision = row_counts(), db.session.scalar(select(Pack.revision))
    (folder / "1.png").write_bytes(b"not an image any more")

    with pytest.raises(ImportFailed):
        import_path(str(folder))

    db.session.rollback()
    assert row_counts() == before
    assert db.session.scalar(select(Pack.revision)) == revision


# -- refusals: archives ----------------------------------------------------------------------------
@pytest.mark.parametrize("name, message", [
    ("../x.png", "path traversal"),
    ("pack/../../x.png", "path traversal"),
    ("/etc/x.png", "absolute path"),
    ("C:/x.png", "absolute path"),
    ("dir\\x.png", "unsafe file name"),
    ("..\\x.png", "unsafe file name"),
])
def test_zip_with_an_unsafe_member_name_is_refused(app, tmp_path, name, message):
    members = {"pack.json": json.dumps(manifest(files=["0.png"])).encode(), "0.png": png_bytes(), name: png_bytes()}
    archive = zip_members(tmp_path / "evil.zip", members)
    assert_refused(app, archive, message, repr(name))


def test_zip_member_that_inflates_past_the_limit_is_refused(app, tmp_path):
    bomb = b"\x00" * (app.config["MAX_IMAGE_BYTES"] + 1024)
    archive = zip_members(tmp_path / "bomb.zip", {"pack.json": json.dumps(manifest(files=["0.png"])).encode(),
                                                  "0.png": bomb})
    assert os.path.getsize(archive) < 64 * 1024  # small on disk, huge unpacked
    assert_refused(app, archive, "0.png", "larger than the limit")


def _declare_size(archive_path, member: str, size: int) -> None:
    """Overwrite a member's uncompressed size in the central directory (a lying archive)."""
    data = bytearray(archive_path.read_bytes())
    offset = data.find(b"PK\x01\x02")
    while offset != -1:
        name_length = struct.unpack_from("<H", data, offset + 28)[0]
        name = bytes(data[offset + 46:offset + 46 + name_length]).decode()
        if name == member:
            struct.pack_into("<I", data, offset + 24, size)
        offset = data.find(b"PK\x01\x02", offset + 4)
    archive_path.write_bytes(bytes(data))


def test_zip_member_that_lies_about_its_size_is_refused(app, tmp_path):
    archive = zip_members(tmp_path / "liar.zip", {"pack.json": json.dumps(manifest(files=["0.png"])).encode(),
                                                  "0.png": b"\x00" * (8 * 1024 * 1024)})
    _declare_size(archive, "0.png", 1000)
    assert zipfile.ZipFile(archive).getinfo("0.png").file_size == 1000
    assert_refused(app, archive, "0.png", "broken archive member")


def test_zip_whose_members_add_up_past_the_archive_limit_is_refused(app, tmp_path):
    members = {"pack.json": json.dumps(manifest(files=["0.png", "1.png"])).encode(),
               "0.png": png_bytes(), "1.png": png_bytes(label=1)}
    archive = zip_members(tmp_path / "total.zip", members)
    _declare_size(archive, "0.png", 0x7FFF0000)
    _declare_size(archive, "1.png", 0x7FFF0000)
    assert_refused(app, archive, "unpacks to more than")


def test_a_file_that_is_not_a_zip_or_folder_is_refused(app, tmp_path):
    path = tmp_path / "pack.tar"
    path.write_bytes(b"not a zip")
    assert_refused(app, path, "expected a folder or a .zip archive")


def test_a_folder_without_a_manifest_says_what_it_expects(app, tmp_path):
    (tmp_path / "empty").mkdir()
    assert_refused(app, tmp_path / "empty", "pack.json", "index.json", "Pack format")


# -- refusals: images ------------------------------------------------------------------------------
def _noisy_png(size=(300, 300)) -> bytes:
    rng = random.Random(7)
    image = Image.frombytes("RGBA", size, bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * 4)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("data, message", [
    (png_claiming_size(30000, 30000), "not an accepted image"),  # Pillow's decompression-bomb error
    (png_claiming_size(10000, 10000), "not an accepted image"),  # Pillow's warning, treated as an error
    (png_claiming_size(4000, 4000), "exceeds the limit"),  # under Pillow's limit, over ours
    (b"GIF89a but really just text", "not an accepted image"),
    (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n", "not an accepted image"),
    (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>', "SVG"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"></svg>', "SVG"),
    (_noisy_png()[:60000], "broken or truncated"),
], ids=["30000x30000", "10000x10000", "4000x4000", "not-an-image", "eps", "svg-xml", "svg", "truncated"])
def test_bad_images_are_refused_and_nothing_is_written(app, tmp_path, data, message):
    images = {"0.png": png_bytes(), "1.png": png_bytes(label=1), "2.png": data}  # the bad one comes last
    folder = write_pack(tmp_path / "bad", images=images)
    assert_refused(app, folder, "2.png", message)


def test_a_file_over_max_image_bytes_is_refused(app, tmp_path):
    app.config["MAX_IMAGE_BYTES"] = 20_000
    big = _noisy_png((120, 120))
    assert len(big) > 20_000
    folder = write_pack(tmp_path / "big", images={"0.png": png_bytes(), "1.png": big})
    assert_refused(app, folder, "1.png", "larger than the limit of 20000 bytes")
    assert_refused(app, zip_folder(folder, tmp_path / "big.zip"), "1.png", "larger than the limit")


def test_a_missing_image_file_is_named(app, tmp_path):
    folder = write_pack(tmp_path / "gap", count=2)
    (folder / "1.png").unlink()
    assert_refused(app, folder, "1.png", "not found")


# -- refusals: manifest ----------------------------------------------------------------------------
@pytest.mark.parametrize("change, message", [
    ({"name": ""}, "missing required fields: name"),
    ({"license": None, "attribution": ""}, "missing required fields: license, attribution"),
    ({"stickers": []}, "missing required fields: stickers"),
    ({"slug": "Bad Slug"}, "slug 'Bad Slug'"),
    ({"slug": "../etc"}, "slug '../etc'"),
    ({"slug": "-dash"}, "slug '-dash'"),
    ({"price": 25}, "'price' must be 0 or"),
    ({"price": {"amount": 25, "currency": "usd"}}, "smallest charge is 50"),
    ({"price": {"amount": -100, "currency": "usd"}}, "whole number of minor units"),
    ({"price": {"amount": 0.5, "currency": "usd"}}, "whole number of minor units"),
    ({"price": {"amount": "50", "currency": "usd"}}, "whole number of minor units"),
    ({"price": {"amount": 50, "currency": "dollars"}}, "ISO code"),
    ({"price": {"amount": 50, "currency": "usd\n"}}, "ISO code"),
    ({"stickers": [{"file": "0.png"}]}, "needs a 'body'"),
    ({"stickers": [{"body": "x"}]}, "needs a 'file'"),
    ({"stickers": [{"file": "0.png", "body": "a"}, {"file": "0.png", "body": "b"}]}, "same file or id"),
    ({"stickers": [{"file": "0.png", "body": "a", "tags": "not-a-list"}]}, "'tags' a list"),
])
def test_bad_manifests_are_refused_with_the_reason(app, tmp_path, change, message):
    folder = write_pack(tmp_path / "m", count=1)
    data = json.loads((folder / "pack.json").read_text())
    data.update(change)
    (folder / "pack.json").write_text(json.dumps(data))
    assert_refused(app, folder, str(folder), message)


def test_a_manifest_that_is_not_json_is_refused(app, tmp_path):
    folder = write_pack(tmp_path / "m", count=1)
    (folder / "pack.json").write_text("{not json")
    assert_refused(app, folder, "pack.json is not valid JSON")


def test_manifest_image_path_cannot_leave_the_folder(app, tmp_path):
    (tmp_path / "secret.png").write_bytes(png_bytes())
    folder = write_pack(tmp_path / "m", count=1)
    data = json.loads((folder / "pack.json").read_text())
    data["stickers"][0]["file"] = "../secret.png"
    (folder / "pack.json").write_text(json.dumps(data))
    assert_refused(app, folder, "path traversal")


# -- normalisation ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt, mimetype", [("GIF", "image/gif"), ("WEBP", "image/webp")])
def test_animated_images_stay_animated(app, tmp_path, fmt, mimetype):
    name = f"spin.{fmt.lower()}"
    folder = write_pack(tmp_path / "anim", images={name: animated_bytes(fmt, frames=4)})

    import_path(str(folder))

    [sticker] = stickers_of("blobs")
    assert sticker.mimetype == mimetype
    image, thumb = stored(sticker.image_sha256), stored(sticker.thumb_sha256)
    assert image.format == fmt and image.n_frames == 4
    assert thumb.format == "WEBP" and thumb.n_frames == 4
    poster = stored(sticker.poster_sha256)  # the store shows it still, and animates on hover
    assert sticker.poster_mimetype == "image/webp"
    assert poster.format == "WEBP" and poster.n_frames == 1 and poster.size == thumb.size


def test_a_pack_imported_before_posters_gets_them_and_keeps_its_ids_and_mxc_uris(app, tmp_path):
    folder = write_pack(tmp_path / "anim", images={"spin.gif": animated_bytes("GIF", frames=3)})
    import_path(str(folder))
    [sticker] = stickers_of("blobs")
    sticker_id, sticker.poster_sha256, sticker.poster_mimetype = sticker.id, None, None
    sticker.mxc_uri, sticker.mxc_homeserver = "mxc://hs.example/spin", "https://hs.example"
    # What a database of the previous import format holds: its digest no longer matches.
    db.session.scalar(select(Pack)).source_digest = "0" * 64
    db.session.commit()

    [result] = import_path(str(folder))

    [sticker] = stickers_of("blobs")
    assert result.changed and sticker.id == sticker_id and sticker.poster_sha256 is not None
    assert (sticker.mxc_uri, sticker.mxc_homeserver) == ("mxc://hs.example/spin", "https://hs.example")


def test_static_stickers_have_no_poster(app, tmp_path):
    import_path(str(write_pack(tmp_path / "still", count=2)))

    assert [(s.poster_sha256, s.poster_mimetype) for s in stickers_of("blobs")] == [(None, None)] * 2


def test_metadata_is_stripped(app, tmp_path):
    exif = Image.Exif()
    exif[0x010E] = "SECRET-DESCRIPTION"  # ImageDescription
    exif[0x010F] = "SECRET-CAMERA"  # Make
    jpeg = io.BytesIO()
    Image.new("RGB", (120, 90), (200, 40, 40)).save(jpeg, "JPEG", exif=exif)
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "SECRET-COMMENT")
    png = png_bytes(pnginfo=text, exif=exif)
    for data in (jpeg.getvalue(), png):
        assert b"SECRET-" in data and Image.open(io.BytesIO(data)).getexif()
    folder = write_pack(tmp_path / "meta", images={"photo.jpg": jpeg.getvalue(), "mark.png": png})

    import_path(str(folder))

    for sticker in stickers_of("blobs"):
        for sha in (sticker.image_sha256, sticker.thumb_sha256):
            data = db.session.get(Blob, sha).data
            assert b"SECRET-" not in data
            image = Image.open(io.BytesIO(data))
            assert not image.getexif() and "exif" not in image.info and "Comment" not in image.info
    assert stickers_of("blobs")[0].mimetype == "image/jpeg"


# -- maunium/stickerpicker packs/ folders -----------------------------------------------------------
def maunium_sticker(media_id: str, body: str, emoticons: list[str], w=256, h=230) -> dict:
    """A sticker as maunium's sticker-import writes it (sticker/lib/util.py make_sticker + add_meta)."""
    mxc = f"mxc://maunium.example/{media_id}"
    info = {"w": w, "h": h, "size": 40123, "mimetype": "image/png",
            "thumbnail_url": mxc, "thumbnail_info": {"w": w, "h": h, "size": 40123, "mimetype": "image/png"}}
    return {"body": body, "url": mxc, "info": info, "msgtype": "m.sticker", "id": f"tg-{media_id[-6:]}",
            "net.maunium.telegram.sticker": {"pack": {"id": "123", "short_name": "HexFriends"},
                                             "id": media_id[-6:], "emoticons": emoticons}}


def write_maunium_packs(folder, *, extra_index=()):
    (folder / "thumbnails").mkdir(parents=True)
    telegram = {"title": "Hex Friends", "id": "tg-123",
                "net.maunium.telegram.pack": {"short_name": "HexFriends", "hash": "42"},
                "stickers": [maunium_sticker("AbCdEf000001", "Wave", ["👋"]),
                             maunium_sticker("AbCdEf000002", "Laugh", ["😂", "🤣"])]}
    local = {"title": "Cats", "id": "cats",
             "stickers": [dict(maunium_sticker("CatMedia0001", "cat", []), id="sha256:" + "ab" * 32)]}
    for name, pack in (("tg-123.json", telegram), ("cats.json", local)):
        (folder / name).write_text(json.dumps(pack, ensure_ascii=False), encoding="utf-8")
        for index, sticker in enumerate(pack["stickers"]):
            media_id = sticker["url"].rsplit("/", 1)[1]
            (folder / "thumbnails" / media_id).write_bytes(png_bytes(size=(128, 115), label=index + len(name)))
    index = {"packs": ["tg-123.json", "cats.json", *extra_index], "homeserver_url": "https://maunium.example"}
    (folder / "index.json").write_text(json.dumps(index), encoding="utf-8")
    return folder


def test_maunium_packs_folder_keeps_the_mxc_uris(app, tmp_path):
    folder = write_maunium_packs(tmp_path / "packs")

    results = import_path(str(folder))

    assert [(r.slug, r.created, r.stickers) for r in results] == [("tg-123", True, 2), ("cats", True, 1)]
    wave, laugh = stickers_of("tg-123")
    assert (wave.mxc_uri, wave.mxc_homeserver) == ("mxc://maunium.example/AbCdEf000001", None)
    assert (wave.body, wave.emoji, laugh.emoji) == ("Wave", "👋", "😂🤣")
    # info describes the original on the homeserver, not our 128 px preview of it
    assert (wave.width, wave.height, wave.size, wave.mimetype) == (256, 230, 40123, "image/png")
    assert stored(wave.image_sha256).size == (128, 115)
    assert db.session.scalar(select(Pack.name).where(Pack.slug == "tg-123")) == "Hex Friends"
    assert stickers_of("cats")[0].mxc_uri == "mxc://maunium.example/CatMedia0001"

    again = import_path(str(folder))
    assert [r.changed for r in again] == [False, False]


@pytest.mark.parametrize("entry, message", [
    ("https://evil.example/pack.json", "only local pack files"),
    ("../outside.json", "path traversal"),
    ("missing.json", "not found"),
])
def test_maunium_index_entries_are_checked_and_nothing_is_written(app, tmp_path, entry, message):
    folder = write_maunium_packs(tmp_path / "packs", extra_index=[entry])
    assert_refused(app, folder, message)


def test_maunium_sticker_without_a_thumbnail_is_refused(app, tmp_path):
    folder = write_maunium_packs(tmp_path / "packs")
    os.remove(folder / "thumbnails" / "CatMedia0001")
    assert_refused(app, folder, "thumbnails/CatMedia0001", "not found")


def test_maunium_sticker_without_an_mxc_url_is_refused(app, tmp_path):
    folder = write_maunium_packs(tmp_path / "packs")
    data = json.loads((folder / "cats.json").read_text())
    data["stickers"][0]["url"] = "https://example.org/cat.png"
    (folder / "cats.json").write_text(json.dumps(data))
    assert_refused(app, folder, "no valid mxc:// url")


def test_a_long_animation_of_large_frames_is_refused_before_decoding(app, tmp_path):
    """200 frames of 2048x2048 pass the per-frame limit but would take gigabytes decoded."""
    from PIL import Image

    from app.exceptions import ImportFailed
    from app.packs.images import normalise

    frames = [Image.new("P", (2048, 2048), index % 2) for index in range(40)]
    path = tmp_path / "long.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=50)
    with pytest.raises(ImportFailed, match="too much animation"):
        normalise(path.read_bytes(), name="long.gif", max_bytes=10 * 1024 * 1024, max_pixels=2048 * 2048)


def test_maunium_sticker_with_a_bad_info_size_is_refused(app, tmp_path):
    folder = write_maunium_packs(tmp_path / "packs")
    data = json.loads((folder / "cats.json").read_text())
    data["stickers"][0]["info"]["w"] = "big"
    (folder / "cats.json").write_text(json.dumps(data))
    assert_refused(app, folder, "invalid info.w")


@pytest.mark.parametrize("mimetype", ["image/png\u0000", "image/png\n", 7, "not a type"])
def test_maunium_sticker_with_a_bad_info_mimetype_is_refused(app, tmp_path, mimetype):
    folder = write_maunium_packs(tmp_path / "packs")
    data = json.loads((folder / "cats.json").read_text())
    data["stickers"][0]["info"]["mimetype"] = mimetype
    (folder / "cats.json").write_text(json.dumps(data))
    assert_refused(app, folder, "invalid info.mimetype")


@pytest.mark.parametrize("field, value, reason", [
    ("title", "Cats\u0000", "'name' contains a control character (U+0000 NUL)"),
    ("title", "Cats \u202d", "'name' contains a bidirectional control character (U+202D"),
])
def test_maunium_names_with_control_or_bidi_characters_are_refused(app, tmp_path, field, value, reason):
    folder = write_maunium_packs(tmp_path / "packs")
    data = json.loads((folder / "cats.json").read_text())
    data[field] = value
    (folder / "cats.json").write_text(json.dumps(data))
    assert_refused(app, folder, reason)


def test_maunium_pack_with_duplicate_sticker_ids_is_refused(app, tmp_path):
    folder = write_maunium_packs(tmp_path / "packs")
    data = json.loads((folder / "tg-123.json").read_text())
    data["stickers"][1]["id"] = data["stickers"][0]["id"] = "same"
    (folder / "tg-123.json").write_text(json.dumps(data))
    assert_refused(app, folder, "the same id")


def test_tags_longer_than_the_column_are_refused_on_every_database(app, tmp_path):
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "a.png").write_bytes(png_bytes())
    (folder / "pack.json").write_text(json.dumps({
        "name": "Tags", "slug": "tags", "license": "CC0-1.0", "attribution": "tests",
        "stickers": [{"file": "a.png", "body": "a", "tags": ["x" * 50] * 10}]}))
    assert_refused(app, folder, "tags add up to more than 400")
