"""packs publish against the real Synapse homeserver."""
import io

import pytest
import requests
from PIL import Image

from app.models import Sticker
from app.extensions import db
from tests.factories import imported_pack


@pytest.mark.synapse
def test_publish_uploads_once_and_media_downloads(app, runner, synapse, tmp_path):
    uploader = synapse.register_user()
    app.config.update(MATRIX_HOMESERVER_URL=synapse.base_url, MATRIX_ACCESS_TOKEN=uploader.access_token)
    imported_pack(tmp_path / "blobs", count=3, runner=runner)

    first = runner.invoke(args=["packs", "publish"])
    assert first.exit_code == 0, first.output
    assert "3 uploaded" in first.output
    stickers = db.session.scalars(db.select(Sticker)).all()
    assert all(s.mxc_uri.startswith(f"mxc://{synapse.server_name}/") for s in stickers)

    second = runner.invoke(args=["packs", "publish"])
    assert "0 uploaded, 3 already" in second.output

    media_id = stickers[0].mxc_uri.split("/")[-1]
    response = requests.get(
        f"{synapse.base_url}/_matrix/client/v1/media/download/{synapse.server_name}/{media_id}",
        headers={"Authorization": f"Bearer {uploader.access_token}"}, timeout=10)
    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).size == (200, 160)


@pytest.mark.synapse
def test_publish_with_wrong_token_says_so(app, runner, synapse, tmp_path):
    app.config.update(MATRIX_HOMESERVER_URL=synapse.base_url, MATRIX_ACCESS_TOKEN="syt_wrong")
    imported_pack(tmp_path / "blobs", count=3, runner=runner)
    result = runner.invoke(args=["packs", "publish"])
    assert result.exit_code == 1
    assert "refused MATRIX_ACCESS_TOKEN" in result.output
    assert db.session.scalar(db.select(db.func.count(Sticker.mxc_uri))) == 0


def test_publish_with_unreachable_server_says_so(app, runner, tmp_path):
    from devtools.net import free_port

    app.config.update(MATRIX_HOMESERVER_URL=f"http://127.0.0.1:{free_port()}", MATRIX_ACCESS_TOKEN="t")
    imported_pack(tmp_path / "blobs", count=3, runner=runner)
    result = runner.invoke(args=["packs", "publish"])
    assert result.exit_code == 1
    assert "Could not reach the homeserver" in result.output


def test_publish_without_configuration_says_what_to_set(app, runner):
    result = runner.invoke(args=["packs", "publish"])
    assert result.exit_code == 1
    assert "MATRIX_HOMESERVER_URL" in result.output
