"""Generic OIDC mode (discovery, claims, allow-lists) and how the oauth backend is configured."""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp
import pytest

import labdeck_oauth
from labdeck.app import AUTH_BACKEND
from labdeck.auth import available_backends, choose_backend
from labdeck.cli import main
from labdeck.plugins import make_plugin_manager
from labdeck.settings import SettingsError, declare
from labdeck_oauth import OIDCAuth, OpenShiftAuth
from labdeck_testing import make_app, make_settings

PAGE = "/probe/"
REDIRECT = "https://labdeck.example/oauth_callback"
HTML = {"Accept": "text/html"}




async def test_discovered_provider_user_and_groups_from_configured_claims(oidc_labdeck, cluster, tools):
    client = await oidc_labdeck(oauth_allowed_groups=("teachers",))
    response = await tools.sign_in(client, cluster, "carol", PAGE)  # "teachers" is in realm_access.roles
    assert await response.text() == "hello carol"
    # discovery said the token endpoint wants the secret in the body
    assert cluster.token_requests == [(cluster.client_id, True, "authorization_code")]
    assert cluster.client_auth == "post"
    signed_out = await client.post("/-/logout", headers={"Sec-Fetch-Site": "same-origin"})
    assert f'href="{cluster.url}/logout"' in await signed_out.text()  # the provider's end_session_endpoint


async def test_allowed_users_list(oidc_labdeck, cluster, tools):
    client = await oidc_labdeck(oauth_allowed_users=("id-dave",), oauth_token_auth_method="client_secret_basic")
    assert await (await tools.sign_in(client, cluster, "dave", PAGE)).text() == "hello dave"
    assert cluster.client_auth == "basic"  # system:serviceaccount:... survives Basic (RFC 6749 2.3.1 encoding)
    other = await oidc_labdeck(oauth_allowed_users=("id-dave",))
    assert (await tools.sign_in(other, cluster, "carol", PAGE)).status == 403


async def test_attack_display_name_renamed_to_an_allowed_user_is_refused(oidc_labdeck, cluster, tools):
    """mallory sets her editable ``preferred_username`` to "dave": the allow-list matches the
    stable ``sub`` (--oauth-user-id-claim), so she stays out whatever the list was written with."""
    cluster.claims = {"mallory": {"preferred_username": "dave"}}
    for allowed in (("dave",), ("id-dave",)):  # a list of names, then of subjects
        client = await oidc_labdeck(oauth_allowed_users=allowed)
        response = await tools.sign_in(client, cluster, "mallory", PAGE)
        assert response.status == 403, allowed
        assert "<strong>dave</strong>" in await response.text()  # shown the name she chose, and no more
    client = await oidc_labdeck(oauth_allowed_users=("id-dave",))
    assert await (await tools.sign_in(client, cluster, "dave", PAGE)).text() == "hello dave"


async def test_user_id_claim_is_configurable_and_required(oidc_labdeck, cluster, tools):
    cluster.claims = {"dave": {"employee": "E-17"}}
    client = await oidc_labdeck(oauth_allowed_users=("E-17",), oauth_user_id_claim="employee")
    assert await (await tools.sign_in(client, cluster, "dave", PAGE)).text() == "hello dave"
    client = await oidc_labdeck(oauth_allowed_users=("E-17",), oauth_user_id_claim="employee")
    cluster.next_user = "carol"  # has no such claim: no way in, and a page saying why
    response = await client.get(PAGE, headers=HTML, allow_redirects=False)
    async with aiohttp.ClientSession() as browser:
        callback = (await browser.get(response.headers["Location"], allow_redirects=False)).headers["Location"]
    parts = urlsplit(callback)
    response = await client.get(f"{parts.path}?{parts.query}", allow_redirects=False)
    assert response.status == 503 and "hello" not in await response.text()


async def test_provider_unreachable_at_sign_in_gives_a_readable_503(aiohttp_client, tools):
    app = make_app(tools.plugins(), auth="oauth", oauth_client_id="c", oauth_client_secret="s",
                   oauth_issuer="http://127.0.0.1:9", oauth_allow_all=True, oauth_redirect_url=REDIRECT)
    client = await aiohttp_client(app)  # starts although the provider is down
    response = await client.get(PAGE, headers=HTML, allow_redirects=False)
    assert response.status == 503
    assert "sign-in service is not answering" in await response.text()


def test_generic_mode_needs_a_rule_for_who_may_enter(tmp_path):
    with pytest.raises(SettingsError, match="--oauth-allow-all"):
        make_app({"oauth": labdeck_oauth}, auth="oauth", oauth_client_id="c", oauth_client_secret="s",
                 oauth_issuer="https://id.example", oauth_redirect_url=REDIRECT)


def test_client_secret_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    app = make_app({"oauth": labdeck_oauth}, auth="oauth", oauth_client_id="c", oauth_client_secret_file=secret,
                   oauth_authorize_url="https://id.example/a", oauth_token_url="https://id.example/t",
                   oauth_allow_all=True, oauth_redirect_url=REDIRECT)
    assert app[AUTH_BACKEND].client_secret() == "from-a-file"


def chosen(environ: dict) -> type:
    """The backend labdeck picks without --auth, for this environment."""
    pm = make_plugin_manager(discover=False, extra={"oauth": labdeck_oauth})
    return choose_backend(make_settings(pm, environ), available_backends(pm))


def test_openshift_mode_chosen_by_oauth_service_account_and_needs_the_pod_token(tmp_path):
    assert chosen({"OAUTH_SERVICE_ACCOUNT": "labdeck"}) is OpenShiftAuth
    with pytest.raises(SettingsError, match="service account namespace"):
        make_app({"oauth": labdeck_oauth}, environ={"OAUTH_SERVICE_ACCOUNT": "labdeck"},
                 oauth_serviceaccount_dir=tmp_path, oauth_redirect_url=REDIRECT)


@pytest.mark.parametrize("environ", [{"OAUTH_CLIENT_ID": "c"}, {"LABDECK_OAUTH_CLIENT_ID": "c"},
                                     {"OAUTH_CLIENT_ID_FILE": "/x"}, {"LABDECK_OAUTH_CLIENT_ID_FILE": "/x"}])
def test_generic_mode_chosen_by_a_client_id(environ):
    assert chosen(environ) is OIDCAuth
    # OpenShift's variable wins, as before the two were split; and both beat Basic auth
    assert chosen({**environ, "OAUTH_SERVICE_ACCOUNT": "labdeck"}) is OpenShiftAuth
    assert chosen({**environ, "AUTH_USERNAME": "ann", "AUTH_PASSWORD": "pw"}) is OIDCAuth


def test_nothing_configured_leaves_token_auth():
    assert chosen({}).name == "token"


def test_auth_oauth_with_a_service_account_still_means_openshift(tmp_path, cluster, service_account_dir):
    """``LABDECK_AUTH=oauth`` chose OpenShift mode when OAUTH_SERVICE_ACCOUNT was set: it still does."""
    app = make_app({"oauth": labdeck_oauth}, auth="oauth", environ={"OAUTH_SERVICE_ACCOUNT": "labdeck"},
                   oauth_serviceaccount_dir=service_account_dir, oauth_kubernetes_url=cluster.url,
                   oauth_redirect_url=REDIRECT)
    assert type(app[AUTH_BACKEND]) is OpenShiftAuth


def test_cluster_api_address_from_the_pods_environment(service_account_dir):
    environ = {"OAUTH_SERVICE_ACCOUNT": "labdeck", "KUBERNETES_SERVICE_HOST": "fd00::1",
               "KUBERNETES_SERVICE_PORT": "6443"}
    app = make_app({"oauth": labdeck_oauth}, environ=environ, oauth_serviceaccount_dir=service_account_dir,
                   oauth_redirect_url=REDIRECT)
    assert app[AUTH_BACKEND].api == "https://[fd00::1]:6443"
    with pytest.raises(SettingsError, match="KUBERNETES_SERVICE_HOST"):
        make_app({"oauth": labdeck_oauth}, environ={"OAUTH_SERVICE_ACCOUNT": "labdeck"},
                 oauth_serviceaccount_dir=service_account_dir, oauth_redirect_url=REDIRECT)


def test_every_oauth_setting_has_a_flag(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--help"], environ={})
    text = capsys.readouterr().out
    for flag in ("--oauth-service-account", "--oauth-client-secret-file", "--oauth-issuer", "--oauth-allowed-groups",
                 "--oauth-groups-claim", "--oauth-project-role"):
        assert flag in text


def test_every_oauth_setting_is_in_the_operator_guide():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "oauth.md").read_text()
    for setting in declare("oauth", labdeck_oauth.register_settings()):
        assert f"`{setting.flag_name}`" in text and f"`{setting.env_names[0]}`" in text, setting.name


async def test_flow_cookie_signed_with_the_placeholder_key_is_refused(aiohttp_client):
    """make_auth_backend builds the backend before the cookie key is set (the key may derive from
    the backend's secret): the sign-in flow must sign and check with the real one."""
    from labdeck import SessionCookies
    from labdeck_oauth import LoginFlows

    app = make_app({"oauth": labdeck_oauth}, auth="oauth", oauth_client_id="c", oauth_client_secret="s",
                   oauth_allow_all=True, oauth_redirect_url=REDIRECT, oauth_authorize_url="http://127.0.0.1:9/a",
                   oauth_token_url="http://127.0.0.1:9/t")
    client = await aiohttp_client(app)
    forger = LoginFlows(SessionCookies("/", 86400, b"unset"), "/")
    value = forger.sessions.sign(["s1", "v" * 43, "/", "http://x/oauth_callback"], salt=LoginFlows._SALT)
    response = await client.get("/oauth_callback?state=s1&code=c", allow_redirects=False,
                                cookies={forger.cookie_name("s1"): value})
    assert response.status == 400
    assert app[AUTH_BACKEND].flows.sessions is app[AUTH_BACKEND].sessions
