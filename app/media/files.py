"""WSGI middleware: /media/<sha256>.<ext> straight from the local media cache, as static files are.

The Flask view (app.media.views) costs a request context, routing, hooks and send_file; these
files never change (the name is the content's hash), so once one is in MEDIA_CACHE_DIR this
answers it the way WhiteNoise answers /static/, with the view's exact headers. Anything else
(not cached yet, a Range request, another method, a malformed name) goes on to Flask, which
fills the cache from the database or answers the error.
"""
from __future__ import annotations

import os
import re
from wsgiref.util import FileWrapper

from app.storage import MIMETYPES

NAME_RE = re.compile(r"^/media/([0-9a-f]{64})\.(png|webp|gif|jpg)$")
IMMUTABLE = "public, max-age=31536000, immutable"
# What app.security adds to the view's answer under the media blueprint's policy (PAGE + CORS).
POLICY_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
                  ("Content-Security-Policy", "frame-ancestors 'none'"), ("X-Frame-Options", "DENY"),
                  ("Access-Control-Allow-Origin", "*")]


class MediaFiles:
    def __init__(self, wsgi_app, cache_dir: str):
        self.wsgi_app, self.cache_dir = wsgi_app, cache_dir

    def __call__(self, environ, start_response):
        match = NAME_RE.match(environ.get("PATH_INFO", ""))
        if match is None or environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or "HTTP_RANGE" in environ:
            return self.wsgi_app(environ, start_response)
        sha256, extension = match.groups()
        path = os.path.join(self.cache_dir, sha256[:2], f"{sha256}.{extension}")
        try:
            handle = open(path, "rb")
        except OSError:  # not cached yet: the view reads it from the database
            return self.wsgi_app(environ, start_response)
        etag = f'"{sha256}"'
        headers = [("Cache-Control", IMMUTABLE), ("ETag", etag), *POLICY_HEADERS]
        if_none_match = environ.get("HTTP_IF_NONE_MATCH", "")
        if etag in if_none_match or if_none_match.strip() == "*":
            handle.close()
            start_response("304 Not Modified", headers)
            return []
        size = os.fstat(handle.fileno()).st_size
        start_response("200 OK", [("Content-Type", MIMETYPES[extension]), ("Content-Length", str(size)), *headers])
        if environ["REQUEST_METHOD"] == "HEAD":
            handle.close()
            return []
        return environ.get("wsgi.file_wrapper", FileWrapper)(handle, 65536)
