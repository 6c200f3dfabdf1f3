"""Studio tests: @root:example.org is the operator; bot messages stay in the outbox (not sent)."""
from __future__ import annotations

import io
import zipfile

import pytest

ROOT = "@root:example.org"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "ADMIN_MATRIX_IDS": f"{ROOT},@ops:example.org", "BOT_DELIVER_AFTER_COMMIT": False}


def new_pack(client, headers, name="Blob Cats", **fields) -> str:
    body = {"name": name, "license": "CC-BY-4.0", "price_amount": 0, "currency": "usd", **fields}
    response = client.post("/api/v1/studio/packs", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["slug"]


def upload(client, headers, slug, files: dict[str, bytes], **form):
    """POST the files as `file` parts; form: body=[...], emoji=[...]."""
    data = {"file": [(io.BytesIO(content), name) for name, content in files.items()], **form}
    return client.post(f"/api/v1/studio/packs/{slug}/stickers", data=data, headers=headers,
                       content_type="multipart/form-data")


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
