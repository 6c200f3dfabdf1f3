"""Upload files to a homeserver's media repository (client-server API), through fedhttp."""
from __future__ import annotations

import json
from urllib.parse import urlencode

from app.exceptions import UpstreamError
from app.matrix.fedhttp import Fetcher, Response, trusted_destination

TIMEOUT = 65.0  # seconds for one whole request; an upload of a large sticker may be slow
MAX_ANSWER_BYTES = 64 * 1024  # the answers are small JSON objects


class MediaClient:
    def __init__(self, base_url: str, access_token: str, fetcher: Fetcher | None = None):
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.http = fetcher or Fetcher(timeout=TIMEOUT, max_bytes=MAX_ANSWER_BYTES)

    def whoami(self) -> str:
        """Check the token; return the Matrix ID it belongs to."""
        data = self._call("GET", "/_matrix/client/v3/account/whoami")
        return data["user_id"]

    def upload(self, data: bytes, *, mimetype: str, filename: str) -> str:
        """Upload bytes; return the mxc:// URI."""
        result = self._call("POST", "/_matrix/media/v3/upload?" + urlencode({"filename": filename}),
                            body=data, headers={"Content-Type": mimetype})
        uri = result.get("content_uri", "")
        if not uri.startswith("mxc://"):
            raise UpstreamError(f"The homeserver answered the upload without an mxc:// URI: {result!r}")
        return uri

    def _call(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.access_token}", **(headers or {})}
        try:
            response = self.http.request(method, trusted_destination(self.base_url), path, body=body,
                                         headers=headers)
        except (UpstreamError, ValueError) as error:
            raise UpstreamError(
                f"Could not reach the homeserver at {self.base_url} ({error}). "
                "Check MATRIX_HOMESERVER_URL and that the server is running."
            ) from None
        return self._checked(response)

    def _checked(self, response: Response) -> dict:
        try:
            answer = json.loads(response.body)
        except ValueError:
            answer = {}
        answer = answer if isinstance(answer, dict) else {}
        if response.status == 401 or answer.get("errcode") in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"):
            raise UpstreamError(
                f"The homeserver at {self.base_url} refused MATRIX_ACCESS_TOKEN "
                f"({answer.get('errcode', response.status)}). Set a valid access token of the account "
                "that uploads stickers."
            )
        if response.status >= 400:
            detail = answer.get("error", response.body[:200].decode("utf-8", "replace"))
            raise UpstreamError(f"The homeserver at {self.base_url} answered {response.status} "
                                f"{answer.get('errcode', '')}: {detail}")
        return answer
