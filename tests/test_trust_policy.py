"""Each blueprint's declared trust policy decides CSRF, CORS, framing, caching and the error format."""
import pytest
from flask import Blueprint, Flask, abort

from app import create_app
from app.extensions import csrf
from app.security import register_security_headers
from app.web.policy import Cors, ErrorFormat, PolicyBlueprint, TrustPolicy


def test_a_blueprint_without_a_policy_stops_the_app_at_start_up():
    app = Flask(__name__)
    app.register_blueprint(Blueprint("plain", __name__))
    with pytest.raises(RuntimeError, match=r"Blueprints without a trust policy: \['plain'\]"):
        register_security_headers(app)


def test_a_new_blueprint_gets_what_its_policy_declares(app_config):
    app = create_app(app_config)
    policy = TrustPolicy(errors=ErrorFormat.JSON, csrf=False, cors=Cors(allow_methods="GET, POST"),
                         frameable=True, cache_control="private, no-cache")
    bp = PolicyBlueprint("declared", __name__, url_prefix="/declared", policy=policy, claims=("/declared/",))

    @bp.route("/thing", methods=["GET", "POST"])
    def thing():
        return "ok"

    @bp.get("/gone")
    def gone():
        abort(410)

    app.register_blueprint(bp)
    client = app.test_client()
    response = client.post("/declared/thing", data={"x": "1"})  # no CSRF token needed
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, POST"
    assert "Access-Control-Allow-Headers" not in response.headers
    assert "frame-ancestors * vector:" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Cache-Control"] == "private, no-cache"
    for path in ("/declared/gone", "/declared/unrouted"):  # a route's error, and a claimed 404
        error = client.get(path)
        assert error.is_json and error.headers["Access-Control-Allow-Origin"] == "*"
    assert csrf._exempt_blueprints >= {bp}


@pytest.mark.parametrize("path, json", [("/api/nope", True), ("/_matrix/nope", True), ("/stripe/nope", True),
                                        ("/nope", False), ("/terms/nope", False), ("/checkout/success", False)])
def test_errors_are_json_or_html_by_policy_or_by_path(client, path, json):
    response = client.get(path)
    assert response.status_code == 404
    assert response.is_json is json
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_wrong_method_on_a_cors_route_still_answers_with_cors_and_json(client):
    response = client.get("/api/register", headers={"Origin": "https://app.element.io"})
    assert response.status_code == 405 and response.json["errcode"] == "M_UNRECOGNIZED"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_token_apis_are_never_stored_by_caches(client):
    for path in ("/api/v1/me", "/_matrix/integrations/v1/account"):
        response = client.get(path)
        assert response.status_code == 401 and response.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/store").headers["Cache-Control"] == "private, no-cache"  # the view's own


def test_store_pages_need_csrf_and_store_api_does_not(app):
    exempt = {blueprint.name for blueprint in csrf._exempt_blueprints}
    assert {"integrations", "library", "store_api", "payments_api", "stripe"} <= exempt
    assert not {"store", "manager", "widget", "terms", "payments"} & exempt


def test_media_errors_carry_cors_like_the_images(client):
    response = client.get("/media/nothing.png")
    assert response.status_code == 404 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Methods" not in response.headers
