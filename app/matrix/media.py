"""Upload files to a homeserver's media repository (client-server API)."""
from __future__ import annotations

import requests

from app.exceptions import UpstreamError

TIMEOUT = (5, 60)  # connect, read


class MediaClient:
    def __init__(self, base_url: str, access_token: str, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.http = session or requests.Session()

    def whoami(self) -> str:
        """Check the token; return the Matrix ID it belongs to."""
        data = self._call("GET", "/_matrix/client/v3/account/whoami")
        return data["user_id"]

    def upload(self, data: bytes, *, mimetype: str, filename: str) -> str:
        """Upload bytes; return the mxc:// URI."""
        result = self._call("POST", "/_matrix/media/v3/upload", params={"filename": filename},
                            data=data, headers={"Content-Type": mimetype})
        uri = result.get("content_uri", "")
        if not uri.startswith("mxc://"):
            raise UpstreamError(f"The homeserver answered the upload without an mxc:// URI: {result!r}")
        return uri

    def _call(self, method: str, path: str, **kwargs) -> dict:
        headers = {"Authorization": f"Bearer {self.access_token}", **kwargs.pop("headers", {})}
        url = self.base_url + path
        try:
            response = self.http.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as error:
            raise UpstreamError(
                f"Could not reach the homeserver at {self.base_url} ({error.__class__.__name__}). "
                "Check MATRIX_HOMESERVER_URL and that the server is running."
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code == 401 or body.get("errcode") in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"):
            raise UpstreamError(
                f"The homeserver at {self.base_url} refused MATRIX_ACCESS_TOKEN "
                f"({body.get('errcode', response.status_code)}). Set a valid access token of the account "
                "that uploads stickers."
            )
        if response.status_code >= 400:
            raise UpstreamError(
                f"The homeserver at {self.base_url} answered {response.status_code} "
                f"{body.get('errcode', '')}: {body.get('error', response.text[:200])}"
            )
        return body
