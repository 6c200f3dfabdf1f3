"""Who is this? Validating a Matrix OpenID token with the user's own homeserver.

A widget or Element gets the token from `POST /_matrix/client/v3/user/{userId}/openid/request_token`
(MSC1960) and hands it to us; we ask the homeserver named in it,
`GET /_matrix/federation/v1/openid/userinfo?access_token=…`, and accept the answer's `sub`
only if it is a user of that very server.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from app.caching import app_cache
from app.exceptions import (BlockedDestination, HomeserverTimeout, InvalidInput, InvalidOpenIdToken, NotAllowed,
                            UpstreamError)
from app.matrix.discovery import Resolver, TTLCache, parse_server_name
from app.matrix.fedhttp import Destination, trusted_destination

log = logging.getLogger(__name__)

USERINFO_PATH = "/_matrix/federation/v1/openid/userinfo"
USERINFO_MAX_BYTES = 8 * 1024
VERIFY_BUDGET = 10.0  # seconds for discovery and the userinfo call together (gunicorn's timeout is 20)
POSITIVE_CACHE_SECONDS = 300
_TOKEN_RE = re.compile(r"^[\x21-\x7e]{1,2048}$")
# Historical user IDs allow any printable ASCII but ':' in the localpart.
_USER_ID_RE = re.compile(r"^@(?P<localpart>[\x21-\x39\x3b-\x7e]+):(?P<server>.+)$")



@dataclass(frozen=True)
class OpenIdToken:
    access_token: str
    matrix_server_name: str
    expires_in: int | None = None


def parse_token(data: Any) -> OpenIdToken:
    """Check the shape of an OpenID token object; raise InvalidInput (400) when it is wrong."""
    if not isinstance(data, dict):
        raise InvalidInput("Expected a JSON object: the OpenID token from the homeserver.", errcode="M_NOT_JSON")
    missing = [key for key in ("access_token", "matrix_server_name") if not data.get(key)]
    if missing:
        raise InvalidInput(f"Missing {', '.join(missing)} in the OpenID token.", errcode="M_MISSING_PARAM")
    token, server = data["access_token"], data["matrix_server_name"]
    if not isinstance(token, str) or not _TOKEN_RE.match(token):
        raise InvalidInput("access_token must be a non-empty string of printable characters.")
    if not isinstance(server, str):
        raise InvalidInput("matrix_server_name must be a string.")
    parse_server_name(server)
    token_type = data.get("token_type", "Bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise InvalidInput("token_type must be 'Bearer'.")
    expires_in = data.get("expires_in")
    if expires_in is not None and (isinstance(expires_in, bool) or not isinstance(expires_in, (int, float))):
        raise InvalidInput("expires_in must be a number of seconds.")
    if expires_in is not None and expires_in <= 0:
        raise InvalidOpenIdToken("This OpenID token has expired; ask your client for a new one.")
    return OpenIdToken(access_token=token, matrix_server_name=server,
                       expires_in=int(expires_in) if expires_in is not None else None)


def user_id_server(user_id: Any) -> str | None:
    """The server part of a valid Matrix user ID, or None."""
    if not isinstance(user_id, str) or len(user_id.encode("utf-8")) > 255:
        return None
    match = _USER_ID_RE.match(user_id)
    if match is None:
        return None
    try:
        parse_server_name(match.group("server"))
    except InvalidInput:
        return None
    return match.group("server")


@functools.lru_cache(maxsize=16)
def parse_server_urls(raw: str) -> dict[str, Destination]:
    """MATRIX_SERVER_URLS ("server_name=base_url,…") as trusted destinations; bad entries are logged."""
    overrides: dict[str, Destination] = {}
    for entry in filter(None, (part.strip() for part in (raw or "").split(","))):
        name, _, url = entry.partition("=")
        try:
            parse_server_name(name.strip())
            overrides[name.strip()] = trusted_destination(url)
        except (InvalidInput, ValueError):
            log.error("MATRIX_SERVER_URLS: ignoring %r (expected server_name=http(s)://host[:port])", entry)
    return overrides


def verify(data: Any, *, server_urls: str = "", resolver: Resolver | None = None) -> str:
    """The Matrix user ID an OpenID token object proves, or a domain error (nothing is stored).

    Raises InvalidInput (malformed), InvalidOpenIdToken (the homeserver refused it), NotAllowed
    (the homeserver vouched for someone else's user), BlockedDestination (SSRF guard),
    HomeserverTimeout or UpstreamError (unreachable or broken homeserver).
    """
    token = parse_token(data)
    cache_key = hashlib.sha256(f"{token.matrix_server_name}\n{token.access_token}".encode()).hexdigest()
    verified = app_cache("openid.verified", lambda: TTLCache(size=1024))
    cached = verified.get(cache_key)
    if cached is not None:
        return cached[1]
    deadline = time.monotonic() + VERIFY_BUDGET
    override = parse_server_urls(server_urls).get(token.matrix_server_name)
    resolver = resolver or app_cache("openid.resolver", Resolver, clear=Resolver.clear_cache)
    query = urlencode({"access_token": token.access_token})
    try:
        destination = override or resolver.resolve(token.matrix_server_name, deadline=deadline)
        response = resolver.fetcher.get(destination, f"{USERINFO_PATH}?{query}", max_bytes=USERINFO_MAX_BYTES,
                                        deadline=deadline)
    except (BlockedDestination, UpstreamError) as error:
        raise _without_details(error, token.matrix_server_name) from None
    user_id = _user_from_userinfo(response.status, response.body, token.matrix_server_name)
    verified.put(cache_key, user_id, min(POSITIVE_CACHE_SECONDS, token.expires_in or POSITIVE_CACHE_SECONDS))
    return user_id


def _without_details(error: Exception, server_name: str) -> Exception:
    """The same error class, with a message that does not tell an anonymous caller what our DNS
    resolves or which addresses we can reach (the details go to the log)."""
    log.warning("OpenID check for %s failed: %s", server_name, error)
    if isinstance(error, BlockedDestination):
        return BlockedDestination(f"Hexpack does not contact the homeserver {server_name}: it is not a public "
                                  "server. The operator can allow a private homeserver with MATRIX_SERVER_URLS.")
    if isinstance(error, HomeserverTimeout):
        return HomeserverTimeout(f"The homeserver {server_name} did not answer in time; try again later.")
    return UpstreamError(f"Could not reach the homeserver {server_name} to check your identity; try again later.")


def _user_from_userinfo(status: int, body: bytes, server_name: str) -> str:
    if status in (401, 403):
        raise InvalidOpenIdToken(
            f"The homeserver {server_name} did not accept this OpenID token (unknown or expired)."
        )
    if status != 200:
        raise UpstreamError(f"The homeserver {server_name} answered the OpenID check with HTTP {status}.")
    try:
        sub = json.loads(body).get("sub")
    except (ValueError, UnicodeDecodeError, AttributeError):
        raise UpstreamError(f"The homeserver {server_name} answered the OpenID check with invalid JSON.") from None
    server = user_id_server(sub)
    if server is None:
        raise UpstreamError(f"The homeserver {server_name} answered the OpenID check without a valid user ID.")
    if server != server_name:
        raise NotAllowed(f"The homeserver {server_name} vouched for {sub}, a user of another server.")
    return sub
