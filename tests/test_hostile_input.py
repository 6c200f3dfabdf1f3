"""Issue 13, item 4 (and 2, 5 in process): hostile input answers 4xx, never 500.

Every JSON endpoint takes an object and answers 400 M_NOT_JSON to anything else (depth bombs,
non-objects, NaN, overflowing numbers, invalid UTF-8); integer path parameters are bounded (404
outside 1..2^31-1, on SQLite and PostgreSQL alike); bodies over the limit are 413 unread; HSTS on
an https deployment only.
"""
from __future__ import annotations

import io
import os
import re

import pytest
from flask import request

from app.extensions import csrf, db
from app.web.bodies import accept_upload, body_limit
from app.web.converters import MAX_ID
from tests.factories import signed_in_user

APP_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app")

# (method, path, needs a token): every view that reads a JSON body.
JSON_ENDPOINTS = [
    ("POST", "/api/v1/session", False),
    ("POST", "/_matrix/integrations/v1/account/register", False),
    ("POST", "/api/register?v=1.1", False),
    ("POST", "/_matrix/integrations/v1/terms", True),
    ("PUT", "/api/v1/me/picker", True),
    ("POST", "/api/v1/checkout", True),
]
BAD_BODIES = {
    "depth bomb": b"[" * 100000,
    "object depth bomb": b'{"a":' * 100000,
    "array": b"[1]",
    "string": b'"x"',
    "number": b"1",
    "null": b"null",
    "overflowing number": b"1e999999",
    "overflow inside": b'{"pack": 1e999999}',
    "NaN": b"NaN",
    "NaN inside": b'{"pack": NaN}',
    "Infinity inside": b'{"pack": -Infinity}',
    "invalid UTF-8": b'{"pack": "\xff\xfe"}',
    "UTF-16": '{"pack": "x"}'.encode("utf-16"),
    "empty": b"",
    "truncated": b'{"pack": ',
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
@pytest.mark.parametrize("method, path, needs_token", JSON_ENDPOINTS)
def test_every_json_endpoint_refuses_what_is_not_an_object(client, method, path, needs_token, name):
    headers = {"Content-Type": "application/json"}
    if needs_token:
        headers.update(signed_in_user(kind="im").headers)
    response = client.open(path, method=method, data=BAD_BODIES[name], headers=headers)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.json["errcode"] == "M_NOT_JSON"


def test_no_view_reads_json_but_through_the_helper():
    """request.get_json / request.json bypass the checks above: only app/web/json_input.py reads bodies."""
    readers = []
    for folder, _dirs, files in os.walk(APP_DIR):
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith(".py") and not path.endswith(os.path.join("web", "json_input.py")):
                with open(path, encoding="utf-8") as handle:
                    if re.search(r"get_json\(|request\.json\b", handle.read()):
                        readers.append(os.path.relpath(path, APP_DIR))
    assert readers == []


@pytest.mark.parametrize("sticker_id", [str(MAX_ID + 1), "0", "99999999999999999999", "9" * 5000, "-1"])
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_favourite_ids_outside_the_integer_range_are_404(client, method, sticker_id):
    alice = signed_in_user()
    response = client.open(f"/api/v1/me/favourites/{sticker_id}", method=method, headers=alice.headers)
    assert response.status_code == 404 and response.json["errcode"] == "M_NOT_FOUND"


@pytest.mark.parametrize("method, status", [("PUT", 404), ("DELETE", 200)])
def test_the_largest_id_reaches_the_database(client, method, status):
    """2^31-1 is a valid integer on both databases: an unknown sticker, not an error."""
    alice = signed_in_user()
    response = client.open(f"/api/v1/me/favourites/{MAX_ID}", method=method, headers=alice.headers)
    assert response.status_code == status


# --- body limits (in process; tests/test_body_limits.py runs the real gunicorn) ---------------------
def test_a_body_over_the_default_limit_is_413_before_anything_reads_it(app, client):
    assert app.config["MAX_CONTENT_LENGTH"] == app.config["MAX_BODY_BYTES"] == 1024 * 1024
    body = b'{"a": "' + b"x" * (1024 * 1024) + b'"}'
    for path in ("/api/v1/session", "/healthz", "/no/such/page", "/store"):
        response = client.post(path, data=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 413, (path, response.status_code)


def test_a_body_under_the_limit_is_read(client):
    body = b'{"access_token": "' + b"x" * (900 * 1024) + b'", "matrix_server_name": "example.org"}'
    response = client.post("/api/v1/session", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json["errcode"] == "M_INVALID_PARAM"


@pytest.fixture
def upload_route(app):
    """What a creator-studio upload looks like: authenticated, a larger @body_limit, multipart."""
    from app.auth.request import require_user

    @csrf.exempt
    @require_user
    @body_limit(4 * 1024 * 1024)
    def upload_probe():
        accept_upload()
        upload = request.files["file"]
        # werkzeug spools a file part past 500 KiB to an unnamed temporary file, not to memory.
        on_disk = not isinstance(upload.stream, io.BytesIO) and os.fstat(upload.stream.fileno()).st_size > 0
        return {"size": len(upload.read()), "on_disk": on_disk}

    app.add_url_rule("/api/v1/test-upload", view_func=upload_probe, methods=["POST"])
    return "/api/v1/test-upload"


def _multipart(size: int) -> dict:
    """A multipart POST built by hand: werkzeug's test client would spool it to a file it never closes."""
    body = (b'--B\r\nContent-Disposition: form-data; name="file"; filename="sticker.png"\r\n'
            b"Content-Type: image/png\r\n\r\n" + b"\0" * size + b"\r\n--B--\r\n")
    return {"data": body, "content_type": "multipart/form-data; boundary=B"}


def test_an_upload_route_takes_its_larger_limit_only_once_the_caller_is_known(client, upload_route):
    alice = signed_in_user()
    three_mib = 3 * 1024 * 1024
    anonymous = client.post(upload_route, **_multipart(three_mib))
    assert anonymous.status_code == 401
    accepted = client.post(upload_route, **_multipart(three_mib), headers=alice.headers)
    assert accepted.status_code == 200 and accepted.json == {"size": three_mib, "on_disk": True}
    too_large = client.post(upload_route, **_multipart(5 * 1024 * 1024), headers=alice.headers)
    assert too_large.status_code == 413


# --- HSTS ----------------------------------------------------------------------------------------
def _static_asset() -> str:
    folder = os.path.join(APP_DIR, "static", "dist", "js")
    return "/static/js/" + sorted(os.listdir(folder))[0]


@pytest.mark.parametrize("public_url, expected", [("https://stickers.example.org", "max-age=31536000"),
                                                  ("http://127.0.0.1:5000", None)])
def test_hsts_on_every_answer_of_an_https_deployment_only(app_config, public_url, expected):
    from app import create_app

    app = create_app({**app_config, "PUBLIC_URL": public_url})
    client = app.test_client()
    answers = [client.get("/healthz"), client.get("/no/such/page"), client.get("/api/v1/me"),
               client.get(_static_asset()), client.post("/healthz", data=b"x" * (2 * 1024 * 1024))]
    assert [answer.status_code for answer in answers] == [200, 404, 401, 200, 413]
    for answer in answers:
        answer.close()  # WhiteNoise's file
        assert answer.headers.get("Strict-Transport-Security") == expected
    if expected:
        assert int(re.search(r"max-age=(\d+)", expected).group(1)) >= 365 * 24 * 3600
    with app.app_context():
        db.engine.dispose()  # this second app's pool (/healthz asked the database)


@pytest.mark.parametrize("limit", [1, 9, 10, 305, 1000, MAX_ID])
def test_the_id_regex_matches_exactly_one_to_the_limit(limit):
    from app.web.converters import decimal_at_most

    pattern = re.compile(decimal_at_most(limit))
    numbers = [*range(0, 2100), limit - 1, limit, limit + 1, 10 * limit, *(limit * k // 7 for k in range(1, 15))]
    for number in numbers:
        assert bool(pattern.fullmatch(str(number))) == (1 <= number <= limit), number
    assert not pattern.fullmatch("0" + str(limit)) and not pattern.fullmatch("-1")


@pytest.mark.parametrize("path, limit", [("/api/v1/session", 1024 * 1024), ("/stripe/webhook", 256 * 1024)])
def test_a_chunked_body_is_413_when_it_reaches_the_limit(client, path, limit):
    """No Content-Length (chunked, as gunicorn passes it on): read up to the limit, then 413."""
    def post(size: int):
        return client.post(path, input_stream=io.BytesIO(b" " * size), headers={"Stripe-Signature": "t=1,v1=0"},
                           environ_overrides={"wsgi.input_terminated": True})

    assert post(limit + 1).status_code == 413
    assert post(limit - 1).status_code == 400  # read whole: not JSON, or no payments configured
