"""Content-hashed static assets: dist/ matches src/, names resolve strictly, WhiteNoise serves them."""
from __future__ import annotations

import gzip
import hashlib
import os
import re

import pytest

from app import assets
from app.assets import (BUNDLES, DIST_DIR, HASHED_RE, SRC_DIR, asset_url, build, bundle, expected_manifest,
                        load_manifest, stale_assets)


def test_dist_manifest_matches_the_sources():
    assert expected_manifest() == load_manifest(), "run 'flask --app wsgi assets build' and commit app/static/dist"
    assert stale_assets() == []


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


def test_the_picker_store_and_manager_scripts_are_bundled_in_run_order():
    manifest = load_manifest()
    assert BUNDLES["js/picker-bundle.js"] == [
        "js/widget-api.js", "js/picker-keys.js", "js/picker-motion.js", "js/picker.js", "js/identity.js"]
    for name, sources in BUNDLES.items():
        assert HASHED_RE.search(manifest[name]), name
        with open(os.path.join(DIST_DIR, manifest[name]), encoding="utf-8") as handle:
            text = handle.read()
        assert re.findall(r"^/\* source: (\S+) \*/$", text, re.M) == sources
        at = [text.index(f"/* source: {source} */") for source in sources]
        for source, start in zip(sources, at):
            with open(os.path.join(SRC_DIR, source), encoding="utf-8") as handle:
                assert text.index(handle.read().rstrip("\n"), start) < start + 100, source


def test_every_script_source_fits_the_house_size_limit():
    for folder, _dirs, names in os.walk(SRC_DIR):
        for name in names:
            if name.endswith(".js"):
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    assert len(handle.read().splitlines()) <= 300, name


def write_sources(src, files):
    for name, text in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text, encoding="utf-8")


TWO_SOURCES = {"js/one.js": '"use strict";\nwindow.ran = ["one"];\n', "js/two.js": '"use strict";\nwindow.ran.push("two");\n'}
ONE_BUNDLE = {"js/both.js": ["js/one.js", "js/two.js"]}


def test_a_bundle_s_hashed_name_changes_with_any_of_its_sources_and_its_order(tmp_path):
    write_sources(tmp_path, TWO_SOURCES)
    before = expected_manifest(str(tmp_path), ONE_BUNDLE)
    assert set(before) == {"js/one.js", "js/two.js", "js/both.js"}
    write_sources(tmp_path, {"js/two.js": '"use strict";\nwindow.ran.push(2);\n'})
    after = expected_manifest(str(tmp_path), ONE_BUNDLE)
    assert after["js/one.js"] == before["js/one.js"]
    assert after["js/both.js"] != before["js/both.js"] and after["js/both.js"].startswith("js/both.")
    reordered = expected_manifest(str(tmp_path), {"js/both.js": ["js/two.js", "js/one.js"]})
    assert reordered["js/both.js"] != after["js/both.js"]


def test_a_stale_bundle_fails_the_check_until_rebuilt(tmp_path, runner, monkeypatch):
    src, dist = tmp_path / "src", tmp_path / "dist"
    write_sources(src, TWO_SOURCES)
    manifest = build(str(src), str(dist), ONE_BUNDLE)
    assert stale_assets(str(src), str(dist), ONE_BUNDLE) == []
    assert gzip.decompress((dist / (manifest["js/both.js"] + ".gz")).read_bytes()) == (
        dist / manifest["js/both.js"]).read_bytes()
    write_sources(src, {"js/two.js": '"use strict";\nwindow.ran.push(2);\n'})
    assert stale_assets(str(src), str(dist), ONE_BUNDLE) == ["js/both.js", "js/two.js"]
    monkeypatch.setattr(assets, "SRC_DIR", str(src))
    monkeypatch.setattr(assets, "DIST_DIR", str(dist))
    monkeypatch.setattr(assets, "BUNDLES", ONE_BUNDLE)
    result = runner.invoke(args=["assets", "check"])
    assert result.exit_code == 1 and "stale (js/both.js, js/two.js)" in result.output
    # A bundle edited in dist/ by hand is stale too, whatever the manifest says.
    build(str(src), str(dist), ONE_BUNDLE)
    assert runner.invoke(args=["assets", "check"]).exit_code == 0
    (dist / assets.expected_manifest()["js/both.js"]).write_text("window.ran = [];\n")
    assert stale_assets() == ["js/both.js"]
    assert runner.invoke(args=["assets", "check"]).exit_code == 1


def test_bundled_sources_run_in_order_each_strict_and_on_past_an_error(tmp_path, browser_page):
    write_sources(tmp_path, {
        "js/one.js": '"use strict";\nconst name = "one";\nwindow.ran = [name];\nthrow new Error("one failed");\n',
        "js/two.js": '"use strict";\nconst name = "two";\nwindow.ran.push(name);\n'
                     'window.twoIsStrict = (function () { return this; })() === undefined;\n',
    })
    code = bundle(["js/one.js", "js/two.js"], str(tmp_path)).decode()
    browser_page.set_content("<script>window.errors = []; window.onerror = (message) => "
                             "{ window.errors.push(message); };</script><script>" + code + "</script>")
    browser_page.wait_for_function("window.errors.length > 0")
    assert browser_page.evaluate("[window.ran, window.twoIsStrict, window.errors]") == [
        ["one", "two"], True, ["Uncaught Error: one failed"]]
