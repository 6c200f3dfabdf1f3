"""The body of GET /api/v1/store, spliced from JSON fragments built once per cached store page.

A page is the same for every caller until the catalogue generation moves, except `owned` (per user),
`for_sale` (payments on, the creator payable) and the top level's `payments` and `user_id`; yet
building and dumping its 50 entries (url_for, json.dumps) was most of a request's CPU
(bench/scale.py). So each entry is dumped once per page with owned=null, for either for_sale, and
split around that null; a request joins the pieces with its own true/false/null. The bytes are the
ones jsonify sends for the same dicts (tests/store/test_store_page_json.py compares them), and a
provider that indents (debug mode) gets jsonify itself.
"""
from __future__ import annotations

from flask import Response, current_app, jsonify, request, url_for

from app.payments.money import minor_unit_digits

_OWNED = '"owned":null'
_PACKS = '"packs":[]'


def entry_json(pack, stickers: int, previews: list[str], *, for_sale: bool, owned: bool | None) -> dict:
    """A store entry as the picker's store tab reads it (`pack` is a StorePack)."""
    price = None if pack.is_free else {"amount": pack.price_amount, "currency": pack.currency,
                                       "decimals": minor_unit_digits(pack.currency)}
    return {"slug": pack.slug, "name": pack.name, "description": pack.description, "author": pack.author,
            "license": pack.license, "stickers": stickers, "icon_url": previews[0] if previews else "",
            "previews": previews, "url": url_for("store.pack_detail", slug=pack.slug),
            "free": pack.is_free, "price": price, "for_sale": for_sale and not pack.is_free, "owned": owned}


def page_response(page, *, for_sale: bool, paused: set[int], owned: set[int] | None,
                  user_id: str | None) -> Response:
    """The JSON response for a StorePage: `for_sale` is whether payments are on, `paused` the packs
    not for sale now, `owned` the caller's pack ids (None: nobody signed in)."""
    fragments = _fragments(page) if _compact() else None
    if fragments is None:
        return jsonify(packs=[entry_json(pack, count, urls, for_sale=for_sale and pack.id not in paused,
                                         owned=None if owned is None else pack.id in owned)
                              for pack, count, urls in page.rows],
                       next=page.next_cursor, payments=for_sale, user_id=user_id)
    entries = []
    for pack_id, split, after in fragments:
        mark = "null" if owned is None else "true" if pack_id in owned else "false"
        entries.append(split[for_sale and pack_id not in paused] + mark + after)
    head, _, tail = current_app.json.dumps(
        {"next": page.next_cursor, "packs": [], "payments": for_sale, "user_id": user_id},
        separators=(",", ":")).partition(_PACKS)
    return current_app.response_class(f"{head}\"packs\":[{','.join(entries)}]{tail}\n",
                                      mimetype=current_app.json.mimetype)


def _compact() -> bool:
    """Whether jsonify would dump without indentation (as in production)."""
    provider = current_app.json
    compact = getattr(provider, "compact", None)
    return compact is True or (compact is None and not current_app.debug)


def _fragments(page) -> list[tuple[int, tuple[str, str], str]] | None:
    """Per entry: (pack id, (text before owned's value if not for sale, if for sale), text after);
    built on the first request for this page and URL root. None if an entry cannot be split."""
    key = ("json", request.script_root)
    if key not in page.rendered:
        page.rendered[key] = _split_entries(page)
    return page.rendered[key]


def _split_entries(page) -> list[tuple[int, tuple[str, str], str]] | None:
    dumps = current_app.json.dumps
    built = []
    for pack, count, urls in page.rows:
        halves = [dumps(entry_json(pack, count, urls, for_sale=sell, owned=None), separators=(",", ":"))
                  .split(_OWNED) for sell in (False, True)]
        if any(len(parts) != 2 for parts in halves) or halves[0][1] != halves[1][1]:
            return None
        built.append((pack.id, (halves[0][0] + '"owned":', halves[1][0] + '"owned":'), halves[0][1]))
    return built
