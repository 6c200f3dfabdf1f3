"""Content-hashed static assets: dist/ matches src/, names resolve strictly, WhiteNoise serves them."""
from __future__ import annotations

import gzip
import hashlib
import os

import pytest

from app.assets import DIST_DIR, asset_url, expected_manifest, load_manifest


def test_dist_manifest_matches_the_sources():
    assert expected_manifest() == load_manifest(), "run 'flask --app wsgi assets build' and commit app/static/dist"


def test_every_built_file_exists_and_is_named_by_its_hash():
    for relative, hashed in load_manifest().items():
        path = os.path.join(DIST_DIR, hashed)
        with open(path, "rb") as handle:
            data = handle.read()
        assert hashed.split(".")[-2] == hashlib.sha256(data).hexdigest()[:12], relative
        if os.path.exists(path + ".gz"):
            with open(path + ".gz", "rb") as handle:
                assert gzip.decompress(handle.read()) == data


def test_asset_url_resolves_known_names_and_raises_on_unknown_ones():
    assert asset_url("css/picker.css") == "/static/" + load_manifest()["css/picker.css"]
    with pytest.raises(KeyError, match="unknown asset"):
        asset_url("css/pickr.css")


def test_assets_are_served_immutable_and_compressed(client):
    url = asset_url("js/picker.js")
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    for response in (plain, zipped):
        response.close()
    assert plain.status_code == 200 and "immutable" in plain.headers["Cache-Control"]
    assert "javascript" in plain.headers["Content-Type"]
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert client.get("/static/js/picker.js").status_code == 404  # only hashed names are published
