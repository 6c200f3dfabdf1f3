"""Chromium drives the studio with real files (PNG, animated GIF and WebP, a zip, a broken file, a
bomb): a bad batch is refused file by file and nothing is kept, a good one is added; then edit,
reorder by keyboard and by drag, submit; an admin approves in /admin/review and the pack is in the
store. Screenshots (light, dark, 360 px) go to the test's tmp_path; axe checks the pages."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Pack, Sticker
from tests.studio.conftest import ROOT
from tests.support.packs import animated_bytes, png_bytes, png_claiming_size
from tests.support.web import sign_in_web
from tests.test_accessibility import axe_violations, describe

DESKTOP = {"width": 1200, "height": 900}


def signed_in_context(chromium, app, live_server, matrix_id, *, viewport=DESKTOP, scheme="light"):
    client = app.test_client()
    sign_in_web(client, matrix_id)
    context = chromium.new_context(viewport=viewport, color_scheme=scheme)
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "session", "value": client.get_cookie("session").value, "url": live_server.url}])
    return context


def write_files(folder) -> dict[str, str]:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("inside/sad.png", png_bytes((200, 40, 40), label=4))
    files = {"happy.png": png_bytes(label=1), "wave.gif": animated_bytes("GIF"), "spin.webp": animated_bytes("WEBP"),
             "more.zip": archive.getvalue(), "broken.png": png_bytes()[:70], "bomb.png": png_claiming_size(30000, 30000)}
    paths = {}
    for name, data in files.items():
        (folder / name).write_bytes(data)
        paths[name] = str(folder / name)
    return paths


def stickers_in_order() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Sticker.body).order_by(Sticker.position)))


def check_axe(page, name):
    violations = axe_violations(page)
    assert violations == [], f"{name}:\n{describe(violations)}"


@pytest.fixture
def files(tmp_path):
    return write_files(tmp_path)


def test_studio_upload_edit_reorder_submit_and_admin_approval(app, chromium, live_server, files, tmp_path):
    context = signed_in_context(chromium, app, live_server, "@carol:example.org")
    page = context.new_page()
    page.goto(live_server.url + "/studio")
    check_axe(page, "studio home, empty")
    page.get_by_label("Name", exact=True).fill("Carol's cats")
    page.get_by_label("License", exact=True).select_option("CC-BY-4.0")
    page.get_by_role("button", name="Create the pack").click()
    page.get_by_role("heading", name="Carol's cats").wait_for()

    # A batch with a broken file and a bomb: each says what is wrong, the others are not kept.
    page.locator("#file-input").set_input_files([files["happy.png"], files["broken.png"], files["bomb.png"]])
    page.locator(".upload.failed").nth(2).wait_for()
    rows = page.locator(".upload")
    assert "broken or truncated" in rows.nth(1).inner_text()
    assert "exceeds the limit" in rows.nth(2).inner_text() or "not an accepted image" in rows.nth(2).inner_text()
    assert "Not stored" in rows.nth(0).inner_text()
    assert stickers_in_order() == []

    page.locator("#file-input").set_input_files([files[name] for name in ("happy.png", "wave.gif", "spin.webp",
                                                                           "more.zip")])
    page.locator(".upload.ok").nth(3).wait_for()
    page.locator(".studio-sticker").nth(3).wait_for()
    assert stickers_in_order() == ["happy", "wave", "spin", "sad"]
    page.frame_locator("#preview").locator("button.s").nth(3).wait_for()  # the real picker page

    # Inline edit: saved when the field is left.
    first = page.locator(".studio-sticker").first
    first.get_by_label("Name").fill("Happy cat")
    first.get_by_label("Emoji").fill("😺")
    first.get_by_label("Emoji").press("Tab")
    first.locator(".sticker-saved", has_text="Saved").wait_for()
    assert stickers_in_order()[0] == "Happy cat"

    # Keyboard: Alt+Down moves the focused sticker down one place.
    page.locator(".studio-sticker").first.focus()
    page.keyboard.press("Alt+ArrowDown")
    page.wait_for_function("document.querySelector('.studio-sticker').dataset.id !== undefined && "
                           "document.querySelector('#studio-status').textContent === 'Order saved.'")
    assert stickers_in_order() == ["wave", "Happy cat", "spin", "sad"]
    # Drag: the last sticker onto the first.
    page.evaluate("document.querySelector('#studio-status').textContent = ''")
    page.locator(".studio-sticker").nth(3).drag_to(page.locator(".studio-sticker").first,
                                                   target_position={"x": 20, "y": 5})
    page.wait_for_function("document.querySelector('#studio-status').textContent === 'Order saved.'")
    assert stickers_in_order() == ["sad", "wave", "Happy cat", "spin"]
    # Delete one.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".studio-sticker").nth(3).get_by_role("button", name="Delete spin").click()
    page.wait_for_function("document.querySelectorAll('.studio-sticker').length === 3")
    check_axe(page, "studio editor")
    screenshots(chromium, app, live_server, page.url, tmp_path, "editor")

    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("Submitted for review").wait_for()
    assert db.session.scalar(select(Pack.status)) == "in_review"
    context.close()

    admin = signed_in_context(chromium, app, live_server, ROOT)
    review = admin.new_page()
    review.goto(live_server.url + "/admin/review")
    check_axe(review, "admin review")
    screenshots(chromium, app, live_server, review.url, tmp_path, "review", matrix_id=ROOT)
    review.get_by_role("button", name="Approve Carol's cats").click()
    review.get_by_text("Approved carol-s-cats").wait_for()
    admin.close()
    db.session.expire_all()
    assert db.session.scalar(select(Pack.status)) == "published"
    assert [entry["slug"] for entry in app.test_client().get("/api/v1/store").get_json()["packs"]] == ["carol-s-cats"]


def screenshots(chromium, app, live_server, url, folder, name, matrix_id="@carol:example.org"):
    """Light, dark and 360 px wide, for a person to look at (not compared)."""
    for label, viewport, scheme in (("light", DESKTOP, "light"), ("dark", DESKTOP, "dark"),
                                    ("narrow", {"width": 360, "height": 800}, "light")):
        context = signed_in_context(chromium, app, live_server, matrix_id, viewport=viewport, scheme=scheme)
        page = context.new_page()
        page.goto(url)
        page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
        context.close()


def test_report_a_pack_and_the_admin_hides_it(app, chromium, live_server, tmp_path):
    from tests.factories import imported_pack

    imported_pack(tmp_path / "blobs", "blobs")
    context = signed_in_context(chromium, app, live_server, "@carol:example.org")
    page = context.new_page()
    page.goto(live_server.url + "/packs/blobs")
    page.get_by_role("link", name="Report this pack").click()
    check_axe(page, "report form")
    page.get_by_label("Spam or a scam").check()
    page.get_by_label("Details").fill("It advertises a casino.")
    page.get_by_role("button", name="Send the report").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    page.goto(live_server.url + "/copyright")
    check_axe(page, "copyright")
    page.goto(live_server.url + "/studio")
    check_axe(page, "studio home")
    context.close()
    for url, name, who in ((live_server.url + "/packs/blobs/report", "report", "@carol:example.org"),
                           (live_server.url + "/copyright", "copyright", "@carol:example.org"),
                           (live_server.url + "/admin/reports", "reports", ROOT),
                           (live_server.url + "/studio", "studio-home", "@carol:example.org")):
        screenshots(chromium, app, live_server, url, tmp_path, name, matrix_id=who)

    admin = signed_in_context(chromium, app, live_server, ROOT)
    console = admin.new_page()
    console.goto(live_server.url + "/admin/reports")
    check_axe(console, "admin reports")
    assert "It advertises a casino." in console.inner_text("main")
    console.get_by_role("button", name="Hide Blobs").click()
    console.get_by_text("Hid blobs").wait_for()
    admin.close()
    db.session.expire_all()
    assert db.session.scalar(select(Pack.status)) == "hidden"
