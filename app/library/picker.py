"""The per-user sticker picker page: the user's packs in their order, favourites first."""
from __future__ import annotations

from app.auth.request import token_from_request
from app.auth.tokens import user_for_token
from app.exceptions import Unauthorized
from app.library.services import favourite_stickers, picker_keys
from app.library.summaries import favourites_section
from app.models import User
from app.widget.page import Page, picker_page


def request_user() -> User | None:
    """The user of the request's token (?scalar_token=, ?access_token=, Bearer), or None.

    A missing, unknown or revoked token is not an error here: the picker then renders the
    anonymous page and its script signs in through the widget API's get_openid.
    """
    raw = token_from_request()
    if not raw:
        return None
    try:
        return user_for_token(raw)
    except Unauthorized:
        return None


def personal_picker_page(*, user: User, theme: str) -> Page:
    favourites = favourites_section(favourite_stickers(user=user))
    return picker_page(keys=picker_keys(user=user), theme=theme, cacheable=False, identified=True,
                       favourites=favourites)
