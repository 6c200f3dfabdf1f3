"""The sticker CDN: /media/<sha256>.<ext> from the database, immutable, cacheable, CDN-ready."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Blob, Sticker
from app.storage import media_filename
from app.widget.render import EAGER_STICKERS
from tests.factories import write_pack
from tests.support.packs import animated_bytes, png_bytes

IMMUTABLE = "public, max-age=31536000, immutable"


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (10, 150, 90)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def stickers(app, runner, tmp_path) -> list[Sticker]:
    images = {"a.png": png_bytes(), "b.gif": animated_bytes("GIF"), "c.webp": animated_bytes("WEBP"),
              "d.jpg": jpeg_bytes()}
    result = runner.invoke(args=["packs", "import", str(write_pack(tmp_path / "mixed", images=images))])
    assert result.exit_code == 0, result.output
    return list(db.session.scalars(select(Sticker).order_by(Sticker.position)))


def fetch(client, url: str, **headers):
    """GET, read and close (send_file's open file is closed by the WSGI server, or by us here)."""
    response = client.get(url, headers=headers)
    response.get_data()
    response.close()
    return response


def media_url(sha: str, mimetype: str) -> str:
    return "/media/" + media_filename(sha, mimetype)


def test_each_stored_file_is_served_with_its_type_and_immutable_caching(client, stickers):
    assert [s.mimetype for s in stickers] == ["image/png", "image/gif", "image/webp", "image/jpeg"]
    for sticker in stickers:
        for sha, mimetype in ((sticker.image_sha256, sticker.mimetype), (sticker.thumb_sha256, sticker.thumb_mimetype)):
            response = fetch(client, media_url(sha, mimetype))
            assert response.status_code == 200
            assert response.headers["Content-Type"] == mimetype
            assert response.headers["Cache-Control"] == IMMUTABLE
            assert response.headers["ETag"] == f'"{sha}"'
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.data == db.session.get(Blob, sha).data


def test_if_none_match_gives_304(client, stickers):
    url = media_url(stickers[0].image_sha256, stickers[0].mimetype)
    etag = fetch(client, url).headers["ETag"]

    response = fetch(client, url, **{"If-None-Match": etag})

    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert fetch(client, url, **{"If-None-Match": '"something-else"'}).status_code == 200


def test_unknown_hashes_wrong_extensions_and_malformed_names_are_404(client, stickers):
    png = stickers[0]
    assert png.mimetype == "image/png"
    bad = [
        "0" * 64 + ".png",  # well-formed, not stored
        png.image_sha256 + ".webp",  # stored, but as PNG
        png.image_sha256 + ".jpg",
        png.image_sha256.upper() + ".png",
        png.image_sha256[:63] + ".png",
        png.image_sha256 + ".PNG",
        png.image_sha256 + ".svg",
        png.image_sha256 + ".png.gz",
        png.image_sha256,
        "..%2F..%2Fapp%2Fconfig.py",
        "thumb.png",
    ]
    for name in bad:
        response = fetch(client, "/media/" + name)
        assert response.status_code == 404, name
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert client.get("/media/../wsgi.py").status_code == 404


def test_a_fresh_instance_with_an_empty_cache_serves_from_the_database(app_config, stickers, tmp_path):
    other_cache = tmp_path / "other-instance-cache"
    other = create_app(dict(app_config, MEDIA_CACHE_DIR=str(other_cache)))
    sticker = stickers[1]

    response = fetch(other.test_client(), media_url(sticker.image_sha256, sticker.mimetype))

    assert response.status_code == 200
    assert response.data == db.session.get(Blob, sticker.image_sha256).data
    cached = other_cache / sticker.image_sha256[:2] / media_filename(sticker.image_sha256, sticker.mimetype)
    assert cached.read_bytes() == response.data  # filled on first read, served from disk afterwards
    with other.app_context():
        db.engine.dispose()


def test_an_import_is_served_at_once_without_a_restart(app, client, runner, tmp_path):
    assert client.get("/healthz").status_code == 200  # the instance is up before the import
    folder = write_pack(tmp_path / "late", slug="late", count=1)
    assert runner.invoke(args=["packs", "import", str(folder)]).exit_code == 0
    sticker = db.session.scalar(select(Sticker))

    page = client.get("/api/widgets/stickerpicker").get_data(as_text=True)
    thumb = media_url(sticker.thumb_sha256, sticker.thumb_mimetype)

    assert thumb in page
    assert fetch(client, thumb).status_code == 200


def test_media_base_url_points_the_picker_at_a_cdn(app_config, request, tmp_path):
    app_config["MEDIA_BASE_URL"] = "https://cdn.example.org/hexpack/"
    app = request.getfixturevalue("app")  # created after the change
    folder = write_pack(tmp_path / "cdn", count=EAGER_STICKERS + 2)
    assert app.test_cli_runner().invoke(args=["packs", "import", str(folder)]).exit_code == 0
    stickers = db.session.scalars(select(Sticker).order_by(Sticker.position)).all()
    thumbs = [media_filename(s.thumb_sha256, s.thumb_mimetype) for s in stickers]

    page = app.test_client().get("/api/widgets/stickerpicker").get_data(as_text=True)

    # The first screen's thumbnails are in the page itself; the pack's icon and the rest load from the CDN.
    assert f'data-src="https://cdn.example.org/hexpack/media/{thumbs[0]}"' in page
    for name in thumbs[EAGER_STICKERS:]:
        assert f'data-src="https://cdn.example.org/hexpack/media/{name}"' in page
    assert 'src="/media/' not in page


# Set by send_file only (the cached path answers like WhiteNoise's /static/ files).
VIEW_ONLY = {"Date", "Last-Modified", "Expires", "Content-Disposition", "Accept-Ranges"}


def test_cached_files_skip_flask_with_the_views_exact_headers(app_config, stickers, tmp_path):
    other = create_app(dict(app_config, MEDIA_CACHE_DIR=str(tmp_path / "cold-cache")))
    cold = other.test_client()
    for sticker in stickers:
        url = media_url(sticker.thumb_sha256, sticker.thumb_mimetype)
        by_view = fetch(cold, url)  # not cached yet: the Flask view reads the database
        cached = fetch(cold, url)  # now on disk: the middleware answers
        assert "Content-Disposition" in by_view.headers and "Content-Disposition" not in cached.headers
        assert cached.status_code == by_view.status_code == 200 and cached.data == by_view.data
        assert {k: v for k, v in cached.headers.items() if k not in VIEW_ONLY} == \
            {k: v for k, v in by_view.headers.items() if k not in VIEW_ONLY}
        not_modified = fetch(cold, url, **{"If-None-Match": cached.headers["ETag"]})
        assert not_modified.status_code == 304 and not_modified.data == b""
        assert not_modified.headers["Cache-Control"] == IMMUTABLE
        head = cold.head(url)
        assert head.status_code == 200 and head.data == b"" and head.headers["Content-Length"] == str(len(cached.data))
        ranged = fetch(cold, url, Range="bytes=0-9")  # ranges stay with the view
        assert ranged.status_code == 206 and ranged.data == cached.data[:10]
    with other.app_context():
        db.engine.dispose()
