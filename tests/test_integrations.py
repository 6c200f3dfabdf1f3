"""The integration manager API exactly as Element's ScalarAuthClient and Terms.ts call it."""
from urllib.parse import quote, urlsplit

import pytest

from app.extensions import db
from app.models import TermsAcceptance, User

pytestmark = pytest.mark.synapse
ELEMENT = {"Origin": "https://app.element.io"}
IM = "/_matrix/integrations/v1"


@pytest.fixture
def app_config(app_config, synapse):
    app_config["MATRIX_SERVER_URLS"] = f"{synapse.server_name}={synapse.base_url}"
    return app_config


def bearer(token):
    return {**ELEMENT, "Authorization": f"Bearer {token}"}


def assert_cors(response):
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


def accept_all_terms(client, token):
    """What Element's startTermsFlow does after the dialog: GET terms at the origin root, POST the URLs."""
    policies = client.get(IM + "/terms", headers=ELEMENT).json["policies"]
    urls = [policy["en"]["url"] for policy in policies.values()]
    response = client.post(IM + "/terms", json={"user_accepts": urls}, headers=bearer(token))
    assert response.status_code == 200 and response.json == {}
    return urls


def test_element_legacy_flow(client, synapse):
    me = synapse.register_user()
    # exchangeForScalarToken
    response = client.post("/api/register?v=1.1", json=synapse.openid_token(me), headers=ELEMENT)
    assert response.status_code == 200, response.json
    assert_cors(response)
    token = response.json["scalar_token"]
    # checkToken -> getAccountName: terms not signed yet
    response = client.get(f"/api/account?scalar_token={quote(token)}&v=1.1", headers=ELEMENT)
    assert response.status_code == 403
    assert response.json["errcode"] == "M_TERMS_NOT_SIGNED"
    assert_cors(response)
    # startTermsFlow: GET terms (unauthenticated), the document itself, POST with Bearer
    terms = client.get(IM + "/terms", headers=ELEMENT)
    assert_cors(terms)
    policy = terms.json["policies"]["terms_of_service"]
    assert policy["version"] == "1.0"
    assert policy["en"]["url"] == "http://127.0.0.1/terms/tos-1.0-en.html"
    document = client.get(urlsplit(policy["en"]["url"]).path)
    assert document.status_code == 200 and b"Terms of Service" in document.data
    accept_all_terms(client, token)
    # checkToken again
    response = client.get(f"/api/account?scalar_token={quote(token)}&v=1.1", headers=ELEMENT)
    assert response.status_code == 200 and response.json == {"user_id": me.user_id}
    assert_cors(response)
    # sign out: the token is dead everywhere
    response = client.post(IM + "/account/logout", json={}, headers=bearer(token))
    assert response.status_code == 200 and response.json == {}
    assert_cors(response)
    for url in (f"/api/account?scalar_token={quote(token)}&v=1.1", f"{IM}/account?access_token={quote(token)}"):
        response = client.get(url, headers=ELEMENT)
        assert response.status_code == 401
        assert response.json["errcode"] == "M_UNKNOWN_TOKEN"
        assert_cors(response)


def test_matrix_integrations_v1_flow(client, synapse):
    me = synapse.register_user()
    response = client.post(IM + "/account/register", json=synapse.openid_token(me), headers=ELEMENT)
    assert response.status_code == 200 and set(response.json) == {"token"}
    token = response.json["token"]
    response = client.get(IM + "/account", headers=bearer(token))
    assert response.status_code == 403 and response.json["errcode"] == "M_TERMS_NOT_SIGNED"
    accept_all_terms(client, token)
    for headers, query in ((bearer(token), ""), (ELEMENT, f"?access_token={quote(token)}")):
        response = client.get(IM + "/account" + query, headers=headers)
        assert response.status_code == 200 and response.json == {"user_id": me.user_id}
    assert client.post(IM + "/account/logout", headers=bearer(token)).status_code == 200
    response = client.get(IM + "/account", headers=bearer(token))
    assert response.status_code == 401 and response.json["errcode"] == "M_UNKNOWN_TOKEN"
    assert client.post(IM + "/account/logout", headers=bearer(token)).status_code == 401


def test_terms_are_per_user_and_per_version_and_any_language_url_counts(client, synapse):
    tokens = [client.post(IM + "/account/register", json=synapse.openid_token(synapse.register_user())).json["token"]
              for _ in range(2)]
    # The origin of the URL does not matter (PUBLIC_URL may change), unknown URLs are ignored.
    response = client.post(IM + "/terms", headers=bearer(tokens[0]),
                           json={"user_accepts": ["https://elsewhere.example/terms/tos-1.0-en.html",
                                                  "https://x.example/terms/tos-0.9-en.html", "junk"]})
    assert response.status_code == 200
    assert client.get(IM + "/account", headers=bearer(tokens[0])).status_code == 200
    assert client.get(IM + "/account", headers=bearer(tokens[1])).status_code == 403
    accept_all_terms(client, tokens[0])  # twice is fine
    assert db.session.scalar(db.select(db.func.count(TermsAcceptance.id))) == 1


@pytest.mark.parametrize("body", [{}, {"user_accepts": "url"}, {"user_accepts": [1]}])
def test_terms_post_validates_its_body(client, synapse, body):
    token = client.post(IM + "/account/register", json=synapse.openid_token(synapse.register_user())).json["token"]
    response = client.post(IM + "/terms", json=body, headers=bearer(token))
    assert response.status_code == 400 and response.json["errcode"] == "M_BAD_JSON"


def test_terms_post_needs_a_token(client):
    response = client.post(IM + "/terms", json={"user_accepts": []}, headers=ELEMENT)
    assert response.status_code == 401 and response.json["errcode"] == "M_MISSING_TOKEN"
    assert_cors(response)


@pytest.mark.parametrize("path", [IM + "/account/register", IM + "/account", IM + "/account/logout",
                                  IM + "/terms", "/api/register?v=1.1", "/api/account",
                                  "/api/widgets/set_assets_state", "/api/widgets/title_lookup"])
def test_preflight_requests_are_answered(client, path):
    response = client.options(path, headers={**ELEMENT, "Access-Control-Request-Method": "POST",
                                             "Access-Control-Request-Headers": "authorization, content-type"})
    assert response.status_code in (200, 204)
    assert_cors(response)
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


def test_unknown_im_path_and_bad_version_answer_json_with_cors(client, synapse):
    response = client.get(IM + "/nope", headers=ELEMENT)
    assert response.status_code == 404 and response.json["errcode"] == "M_NOT_FOUND"
    assert_cors(response)
    response = client.post("/api/register?v=2", json=synapse.openid_token(synapse.register_user()))
    assert response.status_code == 400 and response.json["errcode"] == "M_UNRECOGNIZED"


def signed_in(client, synapse):
    me = synapse.register_user()
    token = client.post("/api/register?v=1.1", json=synapse.openid_token(me)).json["scalar_token"]
    accept_all_terms(client, token)
    return me, token


def test_set_assets_state_hides_the_picker_and_keeps_everything_else(client, synapse):
    me, token = signed_in(client, synapse)
    url = f"/api/widgets/set_assets_state?scalar_token={quote(token)}&widget_type=m.stickerpicker&widget_id=w1"
    response = client.get(url + "&state=disable", headers=ELEMENT)
    assert response.status_code == 200 and response.data.strip()  # Element needs a non-empty body
    assert_cors(response)
    user = db.session.scalar(db.select(User).where(User.matrix_id == me.user_id))
    assert user.picker_hidden is True
    assert client.get(url + "&state=enable").status_code == 200
    db.session.refresh(user)
    assert user.picker_hidden is False
    assert client.get(url + "&state=explode").json["errcode"] == "M_INVALID_PARAM"


def test_set_assets_state_needs_terms_and_a_live_token(client, synapse):
    token = client.post("/api/register?v=1.1", json=synapse.openid_token(synapse.register_user())).json["scalar_token"]
    url = "/api/widgets/set_assets_state?widget_type=m.stickerpicker&state=disable&scalar_token="
    assert client.get(url + quote(token)).json["errcode"] == "M_TERMS_NOT_SIGNED"
    response = client.get(url + "nonsense", headers=ELEMENT)
    assert response.status_code == 401 and response.json["errcode"] == "M_UNKNOWN_TOKEN"
    assert_cors(response)


def test_title_lookup_knows_only_our_own_pages(client, synapse):
    _me, token = signed_in(client, synapse)
    # Element double-encodes curl: encodeURIComponent, then URLSearchParams.
    for target, title in (("http://127.0.0.1/api/widgets/stickerpicker?theme=dark", "Hexpack stickers"),
                          ("http://169.254.169.254/latest/meta-data", None)):
        curl = quote(quote(target, safe=""), safe="")
        response = client.get(f"/api/widgets/title_lookup?scalar_token={quote(token)}&curl={curl}")
        assert response.status_code == 200
        assert response.json == {"page_title_cache_item": {"cached_title": title}}
        assert_cors(response)


def test_openid_exchanges_are_rate_limited(app, client, synapse):
    app.config["RATELIMIT_OPENID"] = "3 per minute"
    client = app.test_client()
    bad = {"access_token": "x", "token_type": "Bearer", "matrix_server_name": "127.0.0.1"}
    codes = [client.post(path, json=bad, headers=ELEMENT).status_code
             for path in (IM + "/account/register", "/api/register?v=1.1", IM + "/account/register")]
    assert codes == [403, 403, 403]
    response = client.post("/api/register?v=1.1", json=bad, headers=ELEMENT)
    assert response.status_code == 429 and response.json["errcode"] == "M_LIMIT_EXCEEDED"
    assert_cors(response)
    # Preflights and reads are not counted.
    assert client.options(IM + "/account/register", headers=ELEMENT).status_code in (200, 204)
    assert client.get(IM + "/terms").status_code == 200


def test_json_apis_are_csrf_exempt_although_csrf_is_on(app, client, synapse):
    assert app.config["WTF_CSRF_ENABLED"] is True
    response = client.post(IM + "/account/register", json=synapse.openid_token(synapse.register_user()))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers  # token APIs never create a session
