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
    assert "0.50 USD" in html and "Free" in html and "not for sale" not in html
    assert html.count('src="/media/') == 5  # four previews of the hexes, one of the freebies


def test_pack_detail_shows_every_sticker_license_and_attribution(app, client, imported):
    app.config["STRIPE_SECRET_KEY"] = "sk_test_x"
    response = client.get("/packs/matrix-hexes")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    for text in ("Matrix Hexes", "0.50 USD", "CC-BY-4.0", "Hexes by Hex Artist", "Hex Artist", "Five hexes."):
        assert text in html
    previews = [part.split('"')[0] for part in html.split('src="')[1:] if part.startswith("/media/")]
    assert len(previews) == 5
    for url in previews:  # the previews really are served
        with client.get(url) as image:
            assert image.status_code == 200 and image.mimetype.startswith("image/")
    assert "not for sale" not in html


def test_paid_packs_are_not_for_sale_without_stripe(app, client, imported):
    app.config["STRIPE_SECRET_KEY"] = ""
    assert "0.50 USD · not for sale" in client.get("/packs").get_data(as_text=True)
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
