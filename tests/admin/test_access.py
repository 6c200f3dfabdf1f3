"""Who may use /admin and /api/v1/admin: admins only; anonymous pages go to sign-in, APIs say 401."""
from __future__ import annotations

from tests.admin.conftest import ROOT
from tests.factories import signed_in_user
from tests.support.web import sign_in_web


def test_anonymous_console_goes_to_signin_and_comes_back(client):
    response = client.get("/admin")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin?next=/admin")


def test_a_signed_in_non_admin_gets_403(client):
    sign_in_web(client, "@bob:example.org")
    response = client.get("/admin")
    assert response.status_code == 403
    assert b"ADMIN_MATRIX_IDS" in response.data


def test_an_admin_sees_the_console_privately(client):
    sign_in_web(client, ROOT)
    response = client.get("/admin")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert ROOT.encode() in response.data


def test_admin_api_without_credentials_is_401_and_unknown_paths_answer_json(client):
    assert client.get("/api/v1/admin/nothing-here").get_json()["errcode"] == "M_NOT_FOUND"
    assert client.get("/admin/nothing-here").status_code in (302, 404)
