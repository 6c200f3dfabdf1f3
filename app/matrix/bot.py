"""The Hexpack bot: every call it makes to its homeserver's client-server API, through fedhttp.

The bot is the account behind MATRIX_ACCESS_TOKEN on MATRIX_HOMESERVER_URL. Errors are domain
errors: BotNotConfigured (no settings), BotUnavailable (down, slow, 429/5xx after our retries,
or a refused token: worth retrying later), BotRefused (any other 4xx: retrying cannot help).
"""
from __future__ import annotations

import json
import time
from typing import Callable
from urllib.parse import quote

from app.exceptions import BotNotConfigured, BotRefused, BotUnavailable, UpstreamError
from app.matrix.fedhttp import Fetcher, Response, trusted_destination

TIMEOUT = 10.0  # seconds for one request
MAX_ANSWER_BYTES = 256 * 1024  # m.direct account data grows with the number of users
ATTEMPTS = 3  # per call, on 429 and 5xx
BACKOFF = 0.5  # seconds before the second attempt; doubles after each
MAX_WAIT = 5.0  # a longer retry_after_ms is left to the outbox's next attempt
CLIENT = "/_matrix/client/v3"
# State only power level 100 may change in the bot's pack rooms (state_default covers the rest).
LOCKED_STATE = ("m.room.power_levels", "m.room.name", "m.room.topic", "m.room.avatar", "m.room.join_rules",
                "m.room.history_visibility", "m.room.encryption", "m.room.tombstone", "m.room.server_acl",
                "m.room.canonical_alias")


class BotClient:
    def __init__(self, base_url: str, access_token: str, *, fetcher: Fetcher | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.http = fetcher or Fetcher(timeout=TIMEOUT, max_bytes=MAX_ANSWER_BYTES)
        self.sleep = sleep
        self._user_id: str | None = None

    @classmethod
    def from_config(cls, config) -> BotClient:
        """The bot of this app's settings; raises BotNotConfigured when one is missing."""
        base_url, token = config.get("MATRIX_HOMESERVER_URL", ""), config.get("MATRIX_ACCESS_TOKEN", "")
        if not base_url or not token:
            raise BotNotConfigured(
                "The Hexpack bot is not configured: set MATRIX_HOMESERVER_URL and MATRIX_ACCESS_TOKEN "
                "(an access token of the bot's account on that homeserver).")
        try:
            trusted_destination(base_url)
        except ValueError as error:
            raise BotNotConfigured(f"MATRIX_HOMESERVER_URL is not usable for the Hexpack bot: {error}") from None
        return cls(base_url, token)

    def whoami(self) -> str:
        """The bot's own Matrix ID (checks the token)."""
        if self._user_id is None:
            self._user_id = self._call("GET", "/account/whoami")["user_id"]
        return self._user_id

    def create_direct_room(self, user_id: str) -> str:
        """A new private room with `user_id` invited as a direct chat; returns its room id."""
        answer = self._call("POST", "/createRoom", {"is_direct": True, "preset": "trusted_private_chat",
                                                   "invite": [user_id]})
        return answer["room_id"]

    def create_pack_room(self, user_id: str, *, name: str, topic: str, locked_types: tuple[str, ...]) -> str:
        """A new private room with `user_id` invited at power level 0, where only power level 100
        (the bot, its creator) may send `locked_types` or any other state; returns its room id.

        The bot is not listed in `users`: in room version 12 (Synapse's default) the creator has
        unlimited power and Synapse refuses a power_levels content that names it. Older versions
        list the creator at 100 by themselves (the override leaves `users` alone).
        """
        levels = {"users_default": 0, "events_default": 0, "state_default": 100, "invite": 100, "kick": 100,
                  "ban": 100, "redact": 100,
                  "events": {**{kind: 100 for kind in locked_types}, **{kind: 100 for kind in LOCKED_STATE}}}
        answer = self._call("POST", "/createRoom", {
            "preset": "private_chat", "name": name, "topic": topic, "invite": [user_id],
            "power_level_content_override": levels})
        return answer["room_id"]

    def invite(self, room_id: str, user_id: str) -> None:
        self._call("POST", f"/rooms/{quote(room_id, safe='')}/invite", {"user_id": user_id})

    def put_state(self, room_id: str, event_type: str, state_key: str, content: dict) -> str:
        """Set a state event; returns its event id."""
        path = f"/rooms/{quote(room_id, safe='')}/state/{quote(event_type, safe='')}/{quote(state_key, safe='')}"
        return self._call("PUT", path, content)["event_id"]

    def membership(self, room_id: str, user_id: str) -> str | None:
        """`user_id`'s membership in the room (join, invite, leave, ban), or None when the user
        was never there or the bot cannot see the room any more (it left or was banned)."""
        path = f"/rooms/{quote(room_id, safe='')}/state/m.room.member/{quote(user_id, safe='')}"
        try:
            return self._call("GET", path).get("membership")
        except BotRefused:
            return None

    def mark_direct(self, user_id: str, room_id: str) -> None:
        """Record the room as the DM with `user_id` in the bot's m.direct account data."""
        path = f"/user/{quote(self.whoami(), safe='')}/account_data/m.direct"
        try:
            direct = self._call("GET", path)
        except BotRefused:  # 404: no m.direct yet
            direct = {}
        rooms = [room_id] + [room for room in direct.get(user_id, []) if room != room_id]
        self._call("PUT", path, {**direct, user_id: rooms})

    def leave_room(self, room_id: str) -> None:
        """Leave a room we will not use. Its invite stays with the user: an invitee of a
        trusted_private_chat has the bot's power level, so the bot cannot withdraw it."""
        self._call("POST", f"/rooms/{quote(room_id, safe='')}/leave", {})

    def send_notice(self, room_id: str, txn_id: str, body: str, html: str) -> str:
        """Send an m.notice (plain `body`, HTML `formatted_body`); returns the event id.

        The same `txn_id` sent again by the same token returns the first event's id without a
        second message (the homeserver deduplicates), so retries are safe.
        """
        content = {"msgtype": "m.notice", "body": body, "format": "org.matrix.custom.html",
                   "formatted_body": html}
        path = f"/rooms/{quote(room_id, safe='')}/send/m.room.message/{quote(txn_id, safe='')}"
        return self._call("PUT", path, content)["event_id"]

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        """One API call, retried with backoff on 429 (honouring retry_after_ms) and 5xx."""
        delay = BACKOFF
        for attempt in range(1, ATTEMPTS + 1):
            response = self._send(method, path, payload)
            if response.status != 429 and response.status < 500:
                return self._checked(response)
            wait = _retry_after(response) or delay
            if attempt == ATTEMPTS or wait > MAX_WAIT:
                raise BotUnavailable(f"The bot's homeserver at {self.base_url} answered {response.status} "
                                     f"{_describe(response)}; will retry.", retry_after=_retry_after(response))
            self.sleep(wait)
            delay *= 2
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, payload: dict | None) -> Response:
        body = None if payload is None else json.dumps(payload).encode()
        headers = {"Authorization": f"Bearer {self.access_token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            return self.http.request(method, trusted_destination(self.base_url), CLIENT + path,
                                     body=body, headers=headers)
        except UpstreamError as error:
            raise BotUnavailable(f"Could not reach the bot's homeserver at {self.base_url} ({error.message}). "
                                 "Check MATRIX_HOMESERVER_URL and that the server is running.") from None

    def _checked(self, response: Response) -> dict:
        answer = _json(response)
        if response.status == 401:
            raise BotUnavailable(f"The homeserver at {self.base_url} refused MATRIX_ACCESS_TOKEN "
                                 f"({_describe(response)}). Set a valid access token of the bot's account.")
        if response.status >= 400:
            raise BotRefused(f"The bot's homeserver at {self.base_url} refused: {response.status} "
                             f"{_describe(response)}")
        return answer


def _json(response: Response) -> dict:
    try:
        answer = json.loads(response.body)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _describe(response: Response) -> str:
    answer = _json(response)
    detail = answer.get("error") or response.body[:200].decode("utf-8", "replace")
    return f"{answer.get('errcode', '')} {detail}".strip()


def _retry_after(response: Response) -> float | None:
    """Seconds the homeserver asked us to wait: retry_after_ms in the body, or Retry-After."""
    milliseconds = _json(response).get("retry_after_ms")
    if isinstance(milliseconds, (int, float)) and milliseconds >= 0:
        return milliseconds / 1000
    header = response.headers.get("retry-after", "")
    return float(header) if header.isdigit() else None
