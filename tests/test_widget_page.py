"""The sticker picker page: content, caching, compression and the headers that let Element frame it."""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import time
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from app.assets import asset_url
from app.extensions import db
from app.models import Pack, Sticker
from app.storage import media_filename
from app.library.services import add_favourite
from app.widget.render import EAGER_STICKERS
from tests.factories import import_folder, imported_pack, price, signed_in_user, write_pack
from tests.support.packs import animated_bytes, inline_src, png_bytes

PICKER = "/api/widgets/stickerpicker"


class Elements(HTMLParser):
    """Every start tag as (tag, attributes), in document order."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def all(self, tag: str, **match) -> list[dict]:
        return [attrs for name, attrs in self.found
                if name == tag and all(attrs.get(key.replace("_", "-")) == value for key, value in match.items())]


def stickers_of(slug: str) -> list[Sticker]:
    return list(db.session.scalar(select(Pack).where(Pack.slug == slug)).stickers)


def page(client, url: str = PICKER, headers=None):
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200
    return response, Elements(response.get_data(as_text=True))


@pytest.fixture
def packs(app, runner, tmp_path):
    """Two free packs, a paid pack, and a free pack that is still a draft."""
    imported_pack(tmp_path / "blobs", "blobs", count=3, colour=(200, 40, 40), runner=runner)
    imported_pack(tmp_path / "cats", "cats", count=2, colour=(40, 200, 40), runner=runner)
    imported_pack(tmp_path / "paid", "paid", count=2, price=price(50), runner=runner)
    imported_pack(tmp_path / "draft", "draft", count=1, status="draft", runner=runner)
    return tmp_path


def test_picker_shows_a_tab_and_a_button_per_sticker_of_each_free_published_pack(client, packs):
    response, html = page(client)

    assert response.mimetype == "text/html"
    tabs = html.all("a", **{"class": "tab"})
    assert [tab["href"] for tab in tabs if tab["href"] != "#recent"] == ["#pack-blobs", "#pack-cats"]
    sections = html.all("section", **{"class": "pack"})
    assert [s.get("data-pack") for s in sections] == [None, "blobs", "cats"]  # "recent" comes first
    buttons = html.all("button", **{"class": "s"})
    expected = stickers_of("blobs") + stickers_of("cats")
    assert [b["data-sticker-id"] for b in buttons] == [str(s.id) for s in expected]
    first = expected[0]
    assert buttons[0]["data-info"] == f"200,160,image/png,{first.size}"
    assert buttons[0]["data-k"] == "🙂 test t0"
    images = html.all("img")
    icons = [img["data-src"] for img in images if img.get("width") == "28"]
    assert icons == [f"/media/{media_filename(s.thumb_sha256, s.thumb_mimetype)}"
                     for s in (stickers_of("blobs")[0], stickers_of("cats")[0])]


def test_the_store_tab_is_a_button_whose_script_loads_only_when_wanted(client, packs):
    _, html = page(client)
    [button] = html.all("button", id="store-button")
    assert (button["type"], button["aria-controls"], button["aria-expanded"]) == ("button", "store", "false")
    assert button["data-script"].split() == [asset_url("js/store-bundle.js")]
    [store] = html.all("section", id="store")
    assert "hidden" in store
    # The sticker grid's first paint waits for no store code, and for one script request.
    assert [script["src"] for script in html.all("script")] == [asset_url("js/picker-bundle.js")]


def test_paid_and_unpublished_packs_are_not_listed(client, packs):
    text = client.get(PICKER).get_data(as_text=True)
    for slug in ("paid", "draft"):
        assert f"pack-{slug}" not in text
        for sticker in stickers_of(slug):
            assert f'data-sticker-id="{sticker.id}"' not in text


def test_stickers_without_mxc_are_marked_and_published_ones_carry_it(client, packs):
    _, html = page(client)
    assert all(b["aria-disabled"] == "true" and b["data-mxc"] == "" and "(not on the homeserver yet)" in b["title"]
               for b in html.all("button", **{"class": "s"}))

    blobs = db.session.scalar(select(Pack).where(Pack.slug == "blobs"))
    blobs.stickers[0].mxc_uri = "mxc://hs.example/abc"
    blobs.revision += 1  # what `packs publish` does for every upload
    db.session.commit()

    _, html = page(client)
    first, second = html.all("button", **{"class": "s"})[:2]
    assert first["data-mxc"] == "mxc://hs.example/abc" and "aria-disabled" not in first
    assert "(not on the homeserver yet)" not in first["title"]
    assert second["aria-disabled"] == "true"


@pytest.mark.parametrize("query, theme", [
    ("", "light"), ("?theme=dark", "dark"), ("?theme=light", "light"), ("?theme=light-high-contrast", "light"),
    ("?theme=custom-Midnight%20Dark", "dark"), ("?org.matrix.msc2873.client_theme=dark", "dark"),
    ("?theme=%22%3E%3Cscript%3E", "light"),
])
def test_theme_parameter_sets_data_theme(client, packs, query, theme):
    _, html = page(client, PICKER + query)
    assert html.all("html")[0]["data-theme"] == theme


def test_page_is_gzipped_when_accepted(client, packs):
    plain = client.get(PICKER)
    zipped = client.get(PICKER, headers={"Accept-Encoding": "gzip, deflate, br"})

    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]  # plus Authorization: per-user pages
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 2
    assert zipped.headers["ETag"] == plain.headers["ETag"]


def test_etag_gives_304_and_differs_per_theme(client, packs):
    first = client.get(PICKER)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"

    again = client.get(PICKER, headers={"If-None-Match": etag, "Accept-Encoding": "gzip"})

    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert client.get(PICKER + "?theme=dark").headers["ETag"] != etag


def test_reimporting_a_changed_pack_changes_the_page(client, runner, packs):
    before = client.get(PICKER)
    manifest_path = packs / "blobs" / "pack.json"
    data = json.loads(manifest_path.read_text())
    data["stickers"][0]["body"] = "Brand new name"
    manifest_path.write_text(json.dumps(data))
    import_folder(packs / "blobs", runner=runner)

    after = client.get(PICKER, headers={"If-None-Match": before.headers["ETag"]})

    assert after.status_code == 200
    assert 'title="Brand new name (not on the homeserver yet)"' in after.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]


def test_publishing_a_draft_pack_shows_it(client, packs):
    assert "pack-draft" not in client.get(PICKER).get_data(as_text=True)
    db.session.scalar(select(Pack).where(Pack.slug == "draft")).status = "published"
    db.session.commit()
    assert 'id="pack-draft"' in client.get(PICKER).get_data(as_text=True)


def test_a_change_committed_by_another_process_shows_within_a_second(app, client, packs):
    from sqlalchemy import create_engine, text

    from app.packs.catalogue import KEYS_TTL

    assert "pack-draft" not in client.get(PICKER).get_data(as_text=True)
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])  # e.g. `flask packs import` elsewhere
    with other.begin() as connection:
        connection.execute(text("UPDATE packs SET status = 'published' WHERE slug = 'draft'"))
    other.dispose()
    time.sleep(KEYS_TTL + 0.05)

    assert 'id="pack-draft"' in client.get(PICKER).get_data(as_text=True)


@pytest.mark.synapse
def test_packs_publish_makes_stickers_sendable_in_the_page(app, client, runner, synapse, packs):
    uploader = synapse.register_user()
    app.config.update(MATRIX_HOMESERVER_URL=synapse.base_url, MATRIX_ACCESS_TOKEN=uploader.access_token)
    before = client.get(PICKER)

    result = runner.invoke(args=["packs", "publish", "cats"])

    assert result.exit_code == 0, result.output
    _, html = page(client, headers={"If-None-Match": before.headers["ETag"]})
    cat_ids = {str(s.id) for s in stickers_of("cats")}
    cats = [b for b in html.all("button", **{"class": "s"}) if b["data-sticker-id"] in cat_ids]
    assert len(cats) == 2
    assert all(b["data-mxc"].startswith(f"mxc://{synapse.server_name}/") and "aria-disabled" not in b
               for b in cats)


def test_sticker_text_is_escaped(client, runner, app, tmp_path):
    folder = write_pack(tmp_path / "xss", "xss", count=1)
    data = json.loads((folder / "pack.json").read_text())
    data["name"] = "</title><script>alert(1)</script>"
    data["stickers"][0]["body"] = '"><img src=x onerror=alert(1)>'
    (folder / "pack.json").write_text(json.dumps(data))
    import_folder(folder, runner=runner)

    text = client.get(PICKER).get_data(as_text=True)

    assert "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;script&gt;" in text and "&#34;&gt;&lt;img src=x" in text


def test_only_the_first_screen_loads_eagerly_with_high_priority_the_rest_lazily(client, runner, app, tmp_path):
    imported_pack(tmp_path / "many", "many", count=30, runner=runner)
    _, html = page(client)
    grid = [img for img in html.all("img") if img.get("width") == "64"]
    assert len(grid) == 30
    # The first screen's thumbnails are in the page itself: no request each, nothing sharing their bandwidth.
    first_screen = stickers_of("many")[:EAGER_STICKERS]
    assert [img["src"] for img in grid[:EAGER_STICKERS]] == [inline_src(s.thumb_sha256) for s in first_screen]
    assert all(img.get("fetchpriority") == "high" for img in grid[:EAGER_STICKERS])
    assert all("data-src" in img and "src" not in img and "fetchpriority" not in img for img in grid[EAGER_STICKERS:])


def test_a_first_screen_image_larger_than_the_inline_limit_keeps_its_url(client, runner, tmp_path, monkeypatch):
    imported_pack(tmp_path / "few", "few", count=3, runner=runner)
    stickers = stickers_of("few")
    limit = min(s.thumb_size for s in stickers)
    assert any(s.thumb_size > limit for s in stickers)  # stickers of different sizes, or this proves nothing
    monkeypatch.setattr("app.widget.render.INLINE_MAX", limit)
    _, html = page(client)
    grid = [img["src"] for img in html.all("img") if img.get("width") == "64"]
    assert grid == [inline_src(s.thumb_sha256) if s.thumb_size <= limit else f"/media/{s.thumb_sha256}.webp"
                    for s in stickers]


def test_favourites_take_their_share_of_the_first_screen(app, client, runner, tmp_path):
    imported_pack(tmp_path / "many", "many", count=30, runner=runner)
    alice = signed_in_user("@fav:example.org", kind="im")
    for sticker in stickers_of("many")[:5]:
        add_favourite(user=alice.user, sticker_id=sticker.id)
    _, html = page(client, PICKER + "?scalar_token=" + alice.token)
    grid = [img for img in html.all("img") if img.get("width") == "64"]
    assert len(grid) == 35
    eager = [img for img in grid if img.get("fetchpriority") == "high"]
    assert eager == grid[:EAGER_STICKERS]


def test_animated_stickers_show_their_poster_and_carry_the_animation_for_the_script(client, runner, tmp_path):
    imported_pack(tmp_path / "spin", "spinners", bodies=["Spin", "Turn", "Dot"], runner=runner,
                  images={"spin.gif": animated_bytes("GIF"), "turn.webp": animated_bytes("WEBP"),
                          "dot.png": png_bytes()})
    stills = {f"{index}.png": png_bytes(label=index) for index in range(EAGER_STICKERS)}
    imported_pack(tmp_path / "late", "late", runner=runner, images={**stills, "z.webp": animated_bytes("WEBP")})
    spin, turn, dot = stickers_of("spinners")
    _, html = page(client)
    grid = {img["alt"]: img for img in html.all("img") if img.get("width") == "64"}
    for sticker in (spin, turn):  # on the first screen: the poster itself is in the page
        assert grid[sticker.body]["src"] == inline_src(sticker.poster_sha256)
        assert grid[sticker.body]["data-anim"] == f"/media/{sticker.thumb_sha256}.webp"
    assert grid[dot.body]["src"] == inline_src(dot.thumb_sha256) and "data-anim" not in grid[dot.body]
    late = stickers_of("late")[-1]  # past the first screen: poster in data-src, no src yet
    assert late.poster_sha256 and grid[late.body]["data-src"] == f"/media/{late.poster_sha256}.webp"
    assert grid[late.body]["data-anim"] == f"/media/{late.thumb_sha256}.webp" and "src" not in grid[late.body]
    icons = {img["alt"]: img["data-src"] for img in html.all("img", width="28")}
    assert icons[stickers_of("spinners")[0].pack.name] == f"/media/{spin.poster_sha256}.webp"


def test_empty_picker_says_how_to_add_packs(client, app):
    text = client.get(PICKER).get_data(as_text=True)
    # For the person in the chat: the store, not the operator's shell command.
    assert "No sticker packs yet" in text and "Press <strong>Store</strong>" in text and "packs import" not in text


def test_picker_may_be_framed_by_the_configured_ancestors(app_config, request):
    app_config["WIDGET_FRAME_ANCESTORS"] = "https://app.element.io https://chat.example.org"
    client = request.getfixturevalue("client")

    response = client.get(PICKER + "?theme=dark")

    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://app.element.io https://chat.example.org;" in csp
    assert "script-src 'self';" in csp and "default-src 'self'" in csp
    # The picker's stylesheet is in the page, allowed by its hash and nothing looser.
    style = response.get_data(as_text=True).split("<style>", 1)[1].split("</style>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii")
    assert f"style-src 'self' 'sha256-{digest}';" in csp and "unsafe-inline" not in csp
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    not_modified = client.get(PICKER + "?theme=dark", headers={"If-None-Match": response.headers["ETag"]})
    assert "X-Frame-Options" not in not_modified.headers


@pytest.mark.parametrize("path", ["/healthz", "/no-such-page", "/media/nothing.png", "/api/widgets/other"])
def test_other_pages_may_not_be_framed(client, path):
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(app_config, tmp_path):
    from app import create_app

    broken = create_app(dict(app_config, DATABASE_URL=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}
