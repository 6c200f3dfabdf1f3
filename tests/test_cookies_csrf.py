"""The operator's own pages: session cookies are Secure/HttpOnly/SameSite, forms need CSRF tokens,
and only the token-authenticated JSON APIs are exempt."""
from flask_wtf.csrf import generate_csrf

from app import create_app


def test_session_cookie_flags_on_an_https_deployment(app_config):
    app = create_app({**app_config, "PUBLIC_URL": "https://stickers.example.org"})

    @app.get("/_test/form")
    def form():
        return generate_csrf()  # what a form page does: puts the CSRF secret in the session

    response = app.test_client().get("/_test/form")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forms_need_a_csrf_token_but_token_apis_do_not(app_config):
    app = create_app(app_config)

    @app.route("/_test/form", methods=["GET", "POST"])
    def form():
        return generate_csrf()

    client = app.test_client()
    assert client.post("/_test/form", data={"x": "1"}).status_code == 400
    token = client.get("/_test/form").get_data(as_text=True)
    assert client.post("/_test/form", data={"csrf_token": token}).status_code == 200
    # The JSON APIs authenticate with bearer tokens instead and are exempt by blueprint.
    from app.extensions import csrf

    assert {bp.name for bp in csrf._exempt_blueprints} >= {"integrations", "library"}
    assert client.put("/api/v1/me/picker", json={}).status_code == 401  # reached the view: no CSRF 400
