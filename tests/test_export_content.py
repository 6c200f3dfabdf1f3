"""The MSC2545 content of a pack, without a homeserver: shortcodes and the split into parts."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from app.exports.content import SHORTCODE_RE, pack_contents, shortcodes, state_key


def sticker(body: str, key: str = "k", mxc: str | None = "mxc://example.org/m") -> SimpleNamespace:
    return SimpleNamespace(body=body, key=key, mxc_uri=mxc, width=512, height=512, mimetype="image/webp", size=1234)


def test_shortcodes_are_valid_lower_case_and_unique():
    stickers = [sticker("Happy!"), sticker("happy"), sticker("Happy-2"), sticker("🙂", key="smile.png"),
                sticker("🙂", key="🙂"), sticker("x" * 300), sticker("Ça va")]
    codes = shortcodes(stickers)
    assert codes[:5] == ["happy", "happy-2", "happy-2-2", "smile", "sticker"]
    assert codes[6] == "a_va"
    assert len(set(codes)) == len(codes) and all(SHORTCODE_RE.match(code) for code in codes)


def test_a_big_pack_is_split_below_the_limit_and_keeps_every_image():
    pack = SimpleNamespace(name="Big", author="", attribution="by Ada", stickers=[
        sticker(f"Sticker {n} " + "y" * 150, mxc=f"mxc://example.org/m{n}") for n in range(200)])
    parts = pack_contents(pack, max_bytes=8_000)
    assert len(parts) > 3
    assert [part["pack"]["display_name"] for part in parts[:2]] == [f"Big (1/{len(parts)})", f"Big (2/{len(parts)})"]
    assert all(len(json.dumps(part, ensure_ascii=False, separators=(",", ":")).encode()) <= 8_000 for part in parts)
    assert sum(len(part["images"]) for part in parts) == 200
    assert [state_key("big", n) for n in (1, 2)] == ["big", "big.2"]
    one = pack_contents(SimpleNamespace(name="Small", author="", attribution="", stickers=pack.stickers[:2]))
    assert len(one) == 1 and one[0]["pack"]["display_name"] == "Small"


def test_stickers_without_an_mxc_uri_are_refused():
    pack = SimpleNamespace(name="P", author="", attribution="", stickers=[sticker("a", mxc=None)])
    with pytest.raises(ValueError, match="not on the homeserver"):
        pack_contents(pack)
