"""The site's external base URL for links that leave the request: into users' Matrix accounts
(the sticker picker widget, accepted terms) and into other sites.

PUBLIC_URL falls back to http://127.0.0.1:$PORT in local development. Such a URL is right only
for a browser on this machine: handed to anyone else it breaks their account for good (Element
keeps the widget URL), so a request for another host gets an error that tells the operator what
to set instead. The request's own Host is never used: it is the client's to choose.
"""
from urllib.parse import urlsplit

from flask import current_app, request

from app.config import is_loopback_host, is_loopback_url
from app.exceptions import AppError


class PublicUrlMismatch(AppError):
    status = 503
    errcode = "ORG.HEXPACK.PUBLIC_URL_NOT_SET"


def public_base_url() -> str:
    """PUBLIC_URL without a trailing slash; refuses a loopback one for a request from elsewhere."""
    public_url = shareable_public_url()
    if public_url is None:
        raise PublicUrlMismatch(
            f"This server's PUBLIC_URL is {current_app.config['PUBLIC_URL']}, which only works on the server "
            f"itself, but this request came for {request.host}. The operator must set PUBLIC_URL to the "
            "address users reach this site at (e.g. PUBLIC_URL=https://stickers.example.org) and restart it."
        )
    return public_url


def shareable_public_url() -> str | None:
    """PUBLIC_URL without a trailing slash, or None when it is loopback and the request is not."""
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    if is_loopback_url(public_url) and not is_loopback_host(urlsplit("//" + request.host).hostname or ""):
        return None
    return public_url
