"""The public store: /packs and /packs/<slug>, rendered from imported packs."""
import json

import pytest
from PIL import Image

from app.packs.importer import import_path


@pytest.fixture
def imported(app, tmp_path):
    stickers = []
    for index in range(5):
        Image.new("RGBA", (120, 100), (40 * index, 90, 200, 255)).save(tmp_path / f"{index}.png")
        stickers.append({"file": f"{index}.png", "body": f"Hex {index}"})
    manifest = {"name": "Matrix Hexes", "slug": "matrix-hexes", "price": {"amount": 50, "currency": "usd"},
                "author": "Hex Artist", "license": "CC-BY-4.0", "attribution": "Hexes by Hex Artist",
                "description": "Five hexes.", "stickers": stickers}
    (tmp_path / "pack.json").write_text(json.dumps(manifest))
    import_path(str(tmp_path))
    free = tmp_path / "free"
    free.mkdir()
    Image.new("RGBA", (64, 64), (0, 0, 0, 255)).save(free / "a.png")
    (free / "pack.json").write_text(json.dumps({"name": "Freebies", "slug": "freebies", "license": "CC0-1.0", "attribution": "Public domain",
                                                "stickers": [{"file": "a.png", "body": "Dot"}]}))
    import_path(str(free))


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
