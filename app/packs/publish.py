"""Publish stickers to the operator's homeserver so they can be sent as mxc:// URIs."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import current_app
from sqlalchemy import select

from app.exceptions import InvalidInput, NotFound
from app.extensions import db
from app.matrix.media import MediaClient
from app.models import Pack, Sticker
from app.storage import media_filename, read_blob
from app.transactions import transaction


@dataclass
class PublishResult:
    uploaded: int = 0
    skipped: int = 0


def publish_packs(*, slug: str | None = None, client: MediaClient | None = None,
                  progress: Callable[[str], None] = lambda message: None) -> PublishResult:
    """Upload every sticker not yet on the configured homeserver; commit after each one.

    Re-runs skip what is already uploaded. Raises InvalidInput without configuration,
    NotFound for an unknown slug, UpstreamError when the homeserver fails.
    """
    homeserver = current_app.config["MATRIX_HOMESERVER_URL"].rstrip("/")
    token = current_app.config["MATRIX_ACCESS_TOKEN"]
    if not homeserver or not token:
        raise InvalidInput("Set MATRIX_HOMESERVER_URL and MATRIX_ACCESS_TOKEN to upload stickers to the homeserver.")
    client = client or MediaClient(homeserver, token)
    client.whoami()  # fail early, with a clear message, on a wrong token or a dead server
    packs = _packs(slug)
    result = PublishResult()
    uploaded_by_hash: dict[str, str] = {}
    for pack in packs:
        total = len(pack.stickers)
        for index, sticker in enumerate(pack.stickers, start=1):
            if sticker.mxc_uri and sticker.mxc_homeserver in (None, homeserver):
                result.skipped += 1  # already there (or imported with its own mxc:// URI)
                continue
            uri = uploaded_by_hash.get(sticker.image_sha256) or _already_uploaded(sticker, homeserver)
            if uri is None:
                uri = client.upload(read_blob(sticker.image_sha256), mimetype=sticker.mimetype,
                                    filename=media_filename(sticker.image_sha256, sticker.mimetype))
                uploaded_by_hash[sticker.image_sha256] = uri
            with transaction():
                sticker.mxc_uri, sticker.mxc_homeserver = uri, homeserver  # moves pack.revision
            result.uploaded += 1
            progress(f"[{pack.slug}] {index}/{total} {sticker.body} -> {uri}")
    return result


def _packs(slug: str | None) -> list[Pack]:
    query = select(Pack).order_by(Pack.position)
    if slug:
        query = query.where(Pack.slug == slug)
    packs = list(db.session.scalars(query))
    if slug and not packs:
        raise NotFound(f"No pack with slug {slug!r}. 'flask --app wsgi packs list' shows the packs.")
    return packs


def _already_uploaded(sticker: Sticker, homeserver: str) -> str | None:
    """The same image may be in another pack that was published before."""
    return db.session.scalar(
        select(Sticker.mxc_uri).where(Sticker.image_sha256 == sticker.image_sha256,
                                      Sticker.mxc_homeserver == homeserver).limit(1)
    )
