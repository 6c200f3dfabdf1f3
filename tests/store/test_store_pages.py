"""The public store: /packs and /packs/<slug>, rendered from imported packs."""
import pytest

from tests.factories import imported_pack, price


@pytest.fixture
def imported(app, tmp_path):
    imported_pack(tmp_path / "hexes", "matrix-hexes", name="Matrix Hexes", price=price(50), author="Hex Artist",
                  license="CC-BY-4.0", attribution="Hexes by Hex Artist", description="Five hexes.",
                  bodies=[f"Hex {index}" for index in range(5)], size=(120, 100))
    imported_pack(tmp_path / "free", "freebies", name="Freebies", attribution="Public domain", bodies=["Dot"],
                  size=(64, 64), colour=(0, 0, 0))


def test_root_redirects_to_the_store(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/packs")


def test_pack_list_shows_packs_prices_and_previews(app, client, imported):
    app.config["STRIPE_SECRET_KEY"] = "sk_test_x"
    html = client.get("/packs").get_data(as_text=True)
    assert "Matrix Hexes" in html and "Freebies" in html
    assert "$0.50" in html and "Free" in html and "not for sale" not in html
    assert html.count('src="/media/') == 5  # four previews of the hexes, one of the freebies


def test_pack_detail_shows_every_sticker_license_and_attribution(app, client, imported):
    app.config["STRIPE_SECRET_KEY"] = "sk_test_x"
    response = client.get("/packs/matrix-hexes")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    for text in ("Matrix Hexes", "$0.50", "CC-BY-4.0", "Hexes by Hex Artist", "Hex Artist", "Five hexes."):
        assert text in html
    previews = [part.split('"')[0] for part in html.split('src="')[1:] if part.startswith("/media/")]
    assert len(previews) == 5
    for url in previews:  # the previews really are served
        with client.get(url) as image:
            assert image.status_code == 200 and image.mimetype.startswith("image/")
    assert "not for sale" not in html


def test_paid_packs_are_not_for_sale_without_stripe(app, client, imported):
    app.config["STRIPE_SECRET_KEY"] = ""
    assert "$0.50 · not for sale" in client.get("/packs").get_data(as_text=True)
    detail = client.get("/packs/matrix-hexes").get_data(as_text=True)
    assert "not for sale" in detail
    assert "not for sale" not in client.get("/packs/freebies").get_data(as_text=True)


def test_unknown_and_hidden_packs_are_404(client, imported):
    from app.extensions import db
    from app.models import Pack

    db.session.scalar(db.select(Pack).where(Pack.slug == "freebies")).status = "hidden"
    db.session.commit()
    assert client.get("/packs/nope").status_code == 404
    assert client.get("/packs/freebies").status_code == 404
    assert "Freebies" not in client.get("/packs").get_data(as_text=True)


def test_pack_list_says_what_hexpack_is_and_how_to_get_the_picker(app, client, imported):
    app.config["PUBLIC_URL"] = "https://stickers.example.org"
    html = client.get("/packs").get_data(as_text=True)
    assert "<h1" in html and "Sticker packs for Matrix" in html
    assert 'id="get-the-picker"' in html and "Add the Hexpack sticker picker" in html
    # the m.widgets snippet points at this server's picker
    assert "https://stickers.example.org/api/widgets/stickerpicker?theme=$org.matrix.msc2873.client_theme" in html
    assert "1 sticker<" in html.replace(" · ", "<") and "1 stickers" not in html
    assert "5 stickers" in html and "CC-BY-4.0" in html


def test_pack_detail_leads_to_the_picker(app, client, imported):
    app.config["STRIPE_SECRET_KEY"] = "sk_test_x"
    paid = client.get("/packs/matrix-hexes").get_data(as_text=True)
    assert 'href="#get-the-picker">Buy it in the picker · $0.50</a>' in paid and 'id="get-the-picker"' in paid
    free = client.get("/packs/freebies").get_data(as_text=True)
    assert 'href="#get-the-picker">Add it in the picker</a>' in free and "All 1 sticker<" in free


def test_every_page_has_the_favicon(client, imported):
    from app.assets import asset_url

    icon = asset_url("img/hexpack.svg")
    for path in ("/packs", "/packs/freebies", "/packs/nope", "/api/widgets/stickerpicker", "/checkout/cancel"):
        assert f'<link rel="icon" href="{icon}"' in client.get(path).get_data(as_text=True), path
    with client.get(icon) as response:
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert client.get("/favicon.ico").headers["Location"].endswith(icon)
