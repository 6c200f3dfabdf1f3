"""Two stickers may share one image (in one pack or across packs imported together)."""
import json

from PIL import Image

from app.extensions import db
from app.models import Blob, Sticker


def test_stickers_with_the_same_image_import_once(app, runner, tmp_path):
    for index in range(2):
        Image.new("RGBA", (64, 64), (200, 10, 10, 255)).save(tmp_path / f"{index}.png")
    (tmp_path / "pack.json").write_text(json.dumps({
        "name": "Twins", "slug": "twins", "license": "CC0-1.0", "attribution": "tests",
        "stickers": [{"file": "0.png", "body": "Left"}, {"file": "1.png", "body": "Right"}]}))
    result = runner.invoke(args=["packs", "import", str(tmp_path)])
    assert result.exit_code == 0, (result.output, result.exception)
    stickers = db.session.scalars(db.select(Sticker).order_by(Sticker.position)).all()
    assert [s.body for s in stickers] == ["Left", "Right"]
    assert stickers[0].image_sha256 == stickers[1].image_sha256
    assert db.session.scalar(db.select(db.func.count()).select_from(Blob)) == 2  # image + thumbnail
