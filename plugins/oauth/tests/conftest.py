"""Fixtures for the oauth backend's tests.

CI needs (dev tools): ``jupyterhub`` from PyPI (the real OAuth2 provider, run on
loopback without configurable-http-proxy: the hub serves its own /hub/ pages)
and Chromium at /usr/bin/chromium for the one browser test.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from dataclasses import dataclass
from urllib.parse import unquote_plus, urlencode, urljoin, urlsplit

import aiohttp
import pytest
from aiohttp import web

import labdeck_oauth
from labdeck import Deck, hookimpl
from labdeck_testing import CHROMIUM, CHROMIUM_ARGS, free_port, make_app, start_server

PASSWORD = "correct-horse-battery"
CLIENT_SECRET = "labdeck-client-secret-0123456789"
OTHER_SECRET = "other-client-secret-0123456789"
PREFIX = "/user/alice/"
#: the public host in-process tests configure as the redirect URL's (the test client's port is not known
#: beforehand; sign_in follows the callback by its path)
REDIRECT_HOST = "https://labdeck.example"


@dataclass
class Hub:
    url: str  # http://127.0.0.1:PORT/hub/
    labdeck_port: int

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.labdeck_port}{PREFIX}oauth_callback"

    def labdeck_env(self, **extra: str) -> dict[str, str]:
        return {
            "LABDECK_PORT": str(self.labdeck_port),
            "URI_ROOT_PATH": PREFIX,
            "LABDECK_OAUTH_CLIENT_ID": "service-labdeck",
            "LABDECK_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
            "LABDECK_OAUTH_AUTHORIZE_URL": self.url + "api/oauth2/authorize",
            "LABDECK_OAUTH_TOKEN_URL": self.url + "api/oauth2/token",
            "LABDECK_OAUTH_USERINFO_URL": self.url + "api/user",
            "LABDECK_OAUTH_TOKEN_AUTH_METHOD": "client_secret_post",  # the hub reads the secret from the body
            "LABDECK_OAUTH_SCOPE": "read:users:groups!user",
            "LABDECK_OAUTH_USERNAME_CLAIM": "name",
            "LABDECK_OAUTH_USER_ID_CLAIM": "name",  # the hub has no 'sub'; its user names are not editable
            "LABDECK_OAUTH_REDIRECT_URL": self.redirect_uri,
            "LABDECK_OAUTH_ALLOWED_GROUPS": "workshop-admins",
            "LABDECK_PLUGINS": "oauth",  # no page plugin: a page behind auth answers 404, which is enough here
            **extra,
        }


HUB_CONFIG = """
from jupyterhub.proxy import Proxy


class NullProxy(Proxy):
    should_start = False

    async def add_route(self, routespec, target, data):
        pass

    async def delete_route(self, routespec):
        pass

    async def get_all_routes(self):
        return {{}}


c = get_config()  # noqa: F821
c.JupyterHub.proxy_class = NullProxy
c.JupyterHub.hub_bind_url = c.JupyterHub.bind_url = "http://127.0.0.1:{hub_port}"
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = "{password}"
c.Authenticator.allow_all = True
c.JupyterHub.db_url = "sqlite:///{dir}/hub.sqlite"
c.JupyterHub.cookie_secret_file = "{dir}/cookie_secret"
c.JupyterHub.oauth_require_pkce = True
c.JupyterHub.load_groups = {{"workshop-admins": {{"users": ["alice"]}}}}
c.JupyterHub.load_roles = [{{"name": "user", "scopes": ["self", "access:services"]}}]
c.JupyterHub.services = [
    {{"name": "labdeck", "oauth_client_id": "service-labdeck", "api_token": "{secret}",
      "oauth_redirect_uri": "{redirect}", "oauth_no_confirm": True,
      "oauth_client_allowed_scopes": ["read:users:groups!user"]}},
    {{"name": "other", "oauth_client_id": "service-other", "api_token": "{other_secret}",
      "oauth_redirect_uri": "http://127.0.0.1:9/other/oauth_callback", "oauth_no_confirm": True}},
]
"""


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory):
    pytest.importorskip("jupyterhub", reason="the real OAuth provider for these tests: pip install jupyterhub")
    directory = tmp_path_factory.mktemp("hub")
    hub_port, labdeck_port = free_port(), free_port()
    hub = Hub(f"http://127.0.0.1:{hub_port}/hub/", labdeck_port)
    config = directory / "jupyterhub_config.py"
    config.write_text(textwrap.dedent(HUB_CONFIG.format(
        hub_port=hub_port, password=PASSWORD, dir=directory, secret=CLIENT_SECRET, other_secret=OTHER_SECRET,
        redirect=hub.redirect_uri)))
    log = open(directory / "hub.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=directory,
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120  # a loaded 2-core machine needs ~20 s to import and start the hub
    while True:
        try:
            urllib.request.urlopen(hub.url + "api/", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("JupyterHub did not start:\n" + (directory / "hub.log").read_text()[-3000:])
            time.sleep(0.3)
    yield hub
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="module")
def labdeck(hub: Hub):
    """A ``labdeck serve`` signing in with the hub, at the port the hub knows as redirect target."""
    server = start_server(hub.labdeck_env(LABDECK_LOG_LEVEL="debug"))  # nothing secret even at debug level
    yield server
    server.stop()


HTML = {"Accept": "text/html"}


def browser_session() -> aiohttp.ClientSession:
    """A cookie-keeping client that, like a browser, keeps cookies for 127.0.0.1."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), headers=HTML)


async def follow(session: aiohttp.ClientSession, url: str, *, user: str | None = None,
                 stop_at: str | None = None) -> tuple[aiohttp.ClientResponse, list[str]]:
    """Follow redirects like a browser; at the hub's login form, sign in as ``user``.
    Does not request a redirect target starting with ``stop_at``. Returns the last
    response (body read) and every URL visited or, with ``stop_at``, reached."""
    visited: list[str] = []
    for _ in range(20):
        visited.append(url)
        response = await session.get(url, allow_redirects=False)
        text = await response.text()
        form = re.search(r'<form action="([^"]*)"[^>]*>', text)
        if user and "/hub/login" in str(response.url) and form:
            xsrf = re.search(r'name="_xsrf" value="([^"]+)"', text)
            action = urljoin(str(response.url), html.unescape(form.group(1)))
            response = await session.post(action, data={"username": user, "password": PASSWORD,
                                                         "_xsrf": xsrf.group(1) if xsrf else ""},
                                          allow_redirects=False)
            await response.read()
            user = None  # once: a second login form means the password was refused
        if response.status in (301, 302, 303, 307) and "Location" in response.headers:
            url = urljoin(str(response.url), response.headers["Location"])
            if stop_at and url.startswith(stop_at):
                visited.append(url)
                return response, visited
            continue
        return response, visited
    raise AssertionError("redirect loop: " + " -> ".join(visited[-6:]))


class Probe:
    """A plugin page that says who it was served to."""

    @hookimpl
    def register_routes(self):
        async def hello(request: web.Request) -> web.Response:
            return web.Response(text=f"hello {Deck.principal(request).name}")

        return [web.get("/", hello)]


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


async def sign_in(client, cluster, user: str, path: str) -> aiohttp.ClientResponse:
    """The browser's round trip: labdeck -> cluster authorize -> labdeck callback -> ``path``."""
    cluster.next_user = user
    response = await client.get(path, headers=HTML, allow_redirects=False)
    assert response.status == 302, await response.text()
    assert response.headers["Location"].startswith(cluster.url + "/oauth/authorize?")
    async with aiohttp.ClientSession() as browser:
        at_provider = await browser.get(response.headers["Location"], allow_redirects=False)
        assert at_provider.status == 302, await at_provider.text()
        callback = at_provider.headers["Location"]
    assert urlsplit(callback).path.endswith("/oauth_callback")
    assert urlsplit(callback).netloc == "labdeck.example"  # the configured redirect URL (REDIRECT)
    response = await client.get(local(callback), headers=HTML, allow_redirects=False)
    assert response.status == 302, await response.text()
    assert response.headers["Location"] == path
    return await client.get(path, headers=HTML, allow_redirects=False)


HAVE_CHROMIUM = os.path.exists(CHROMIUM)


@contextlib.asynccontextmanager
async def chromium():
    """Debian's Chromium through Playwright's async API, closed after the test.
    (The sync ``chromium`` fixture of labdeck_testing keeps an event loop running for the
    whole session, which breaks every asyncio test that runs after it.)"""
    if not HAVE_CHROMIUM:
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


def plugins(**more) -> dict:
    """The plugins of an in-process test app: this package, the probe page, and ``more``."""
    return {"oauth": labdeck_oauth, "probe": Probe(), **more}


class Tools:
    """The helpers above, for test modules (which cannot import a conftest)."""

    follow = staticmethod(follow)
    browser_session = staticmethod(browser_session)
    sign_in = staticmethod(sign_in)
    Probe = Probe
    plugins = staticmethod(plugins)
    chromium = staticmethod(chromium)
    PREFIX = PREFIX
    REDIRECT_HOST = REDIRECT_HOST
    CLIENT_SECRET = CLIENT_SECRET


@pytest.fixture(scope="session")
def tools() -> type[Tools]:
    return Tools


# -- a stand-in for the OpenShift API and OAuth server (a real cluster is not available here) --


@dataclass
class Cluster:
    """The endpoints labdeck uses, answering as OpenShift 4 does: OAuth metadata,
    authorize/token (service-account client, PKCE checked), ``users/~`` and the
    project's RBAC role bindings. ``next_user`` is who "signs in" at authorize.
    With ``oidc`` it also offers OIDC discovery and a user-info endpoint."""

    namespace: str = "workshop"
    service_account: str = "labdeck"
    sa_token: str = "sa-token-" + "x" * 40
    groups: dict = None  # user -> groups
    bindings: list = None
    next_user: str = "alice"
    claims: dict = None  # user -> user-info claims that replace the usual ones (a renamed display name)
    expires_in: int = 3600
    issue_refresh_tokens: bool = True
    rolebindings_status: int = 200
    oidc: bool = False
    url: str = ""

    def __post_init__(self):
        self.groups = self.groups or {"alice": ["students"], "carol": ["teachers"], "dave": ["students"]}
        self.claims = self.claims or {}
        self.userinfo_status = 200  # what user info answers a valid token with (503: the provider is down)
        self.bindings = self.bindings if self.bindings is not None else [
            rolebinding("admin", "ClusterRole", [("User", "alice")]),
            rolebinding("admin", "ClusterRole", [("Group", "teachers")]),
            rolebinding("edit", "ClusterRole", [("User", "dave")]),
        ]
        self.codes: dict = {}
        self.tokens: dict = {}  # access token -> (user, expires_at)
        self.refresh_tokens: dict = {}
        self.token_requests: list = []  # (client_id, secret_ok, grant_type)
        self.client_auth = ""  # how the last token request authenticated: "basic" or "post"

    @property
    def client_id(self) -> str:
        return f"system:serviceaccount:{self.namespace}:{self.service_account}"

    def app(self):
        import base64
        import hashlib
        import secrets
        import time

        from aiohttp import web

        async def metadata(request):
            return web.json_response({
                "issuer": self.url, "authorization_endpoint": self.url + "/oauth/authorize",
                "token_endpoint": self.url + "/oauth/token", "response_types_supported": ["code", "token"],
                "code_challenge_methods_supported": ["plain", "S256"],
            })

        async def oidc_metadata(request):
            if not self.oidc:
                raise web.HTTPNotFound()
            return web.json_response({
                "issuer": self.url, "authorization_endpoint": self.url + "/oauth/authorize",
                "token_endpoint": self.url + "/oauth/token", "userinfo_endpoint": self.url + "/userinfo",
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
                "end_session_endpoint": self.url + "/logout",
            })

        async def authorize(request):
            q = request.query
            if q.get("client_id") != self.client_id or q.get("response_type") != "code":
                raise web.HTTPBadRequest(text="unknown client")
            if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
                raise web.HTTPBadRequest(text="PKCE S256 expected")
            code = secrets.token_urlsafe(16)
            self.codes[code] = (self.next_user, q["redirect_uri"], q["code_challenge"])
            location = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q.get("state", "")})
            raise web.HTTPFound(location)

        def issue(user):
            access = secrets.token_urlsafe(24)
            self.tokens[access] = (user, time.time() + self.expires_in)
            answer = {"access_token": access, "token_type": "Bearer", "expires_in": self.expires_in}
            if self.issue_refresh_tokens:
                refresh = secrets.token_urlsafe(24)
                self.refresh_tokens[refresh] = user
                answer["refresh_token"] = refresh
            return web.json_response(answer)

        async def token(request):
            form = await request.post()
            scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
            self.client_auth = "basic" if scheme == "Basic" else "post"
            if scheme == "Basic":  # RFC 6749 2.3.1: form-urlencoded, then joined with ':'
                client_id, secret = (unquote_plus(part) for part in base64.b64decode(encoded).decode().split(":", 1))
            else:
                client_id, secret = form.get("client_id"), form.get("client_secret")
            ok = client_id == self.client_id and secret == self.sa_token
            self.token_requests.append((client_id, ok, form.get("grant_type")))
            if not ok:
                return web.json_response({"error": "invalid_client"}, status=401)
            if form.get("grant_type") == "refresh_token":
                user = self.refresh_tokens.pop(form.get("refresh_token"), None)
                return issue(user) if user else web.json_response({"error": "invalid_grant"}, status=400)
            user, redirect_uri, challenge = self.codes.pop(form.get("code"), (None, None, None))
            verifier = form.get("code_verifier", "")
            computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if user is None or redirect_uri != form.get("redirect_uri") or computed != challenge:
                return web.json_response({"error": "invalid_grant"}, status=400)
            return issue(user)

        def bearer_user(request):
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            user, expires_at = self.tokens.get(token, (None, 0))
            return user if expires_at > time.time() else None

        async def user(request):
            name = bearer_user(request)
            if name is None:
                return web.json_response({"kind": "Status", "code": 401}, status=401)
            return web.json_response({"kind": "User", "apiVersion": "user.openshift.io/v1",
                                      "metadata": {"name": name}, "groups": self.groups.get(name, [])})

        async def userinfo(request):
            name = bearer_user(request)
            if name is None:
                raise web.HTTPUnauthorized()
            if self.userinfo_status != 200:
                return web.json_response({"error": "unavailable"}, status=self.userinfo_status)
            return web.json_response({"sub": "id-" + name, "preferred_username": name,
                                      "realm_access": {"roles": self.groups.get(name, [])},
                                      **self.claims.get(name, {})})

        async def rolebindings(request):
            if request.headers.get("Authorization") != f"Bearer {self.sa_token}":
                return web.json_response({"kind": "Status", "code": 401}, status=401)
            if request.match_info["ns"] != self.namespace or self.rolebindings_status != 200:
                return web.json_response({"kind": "Status", "code": 403}, status=403)
            return web.json_response({"kind": "RoleBindingList", "items": self.bindings})

        app = web.Application()
        app.router.add_get("/.well-known/oauth-authorization-server", metadata)
        app.router.add_get("/.well-known/openid-configuration", oidc_metadata)
        app.router.add_get("/oauth/authorize", authorize)
        app.router.add_post("/oauth/token", token)
        app.router.add_get("/apis/user.openshift.io/v1/users/~", user)
        app.router.add_get("/userinfo", userinfo)
        app.router.add_get("/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", rolebindings)
        return app


def rolebinding(role: str, kind: str, subjects: list[tuple[str, str]]) -> dict:
    return {"metadata": {"name": f"{role}-{len(subjects)}"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
            "subjects": [{"kind": k, "name": n, **({"apiGroup": "rbac.authorization.k8s.io"} if k != "ServiceAccount"
                                                   else {})} for k, n in subjects]}


@pytest.fixture
async def cluster(aiohttp_server):
    stand_in = Cluster()
    server = await aiohttp_server(stand_in.app())
    stand_in.url = str(server.make_url("")).rstrip("/")
    stand_in.server = server
    return stand_in


@pytest.fixture
def service_account_dir(tmp_path, cluster):
    directory = tmp_path / "serviceaccount"
    directory.mkdir()
    (directory / "token").write_text(cluster.sa_token + "\n")
    (directory / "namespace").write_text(cluster.namespace)
    return directory


@pytest.fixture
def oidc_labdeck(aiohttp_client, cluster, tools):
    """labdeck signing in with the stand-in as a plain OIDC provider found by discovery;
    keyword arguments are settings named like their flags, and win."""
    cluster.oidc = True

    async def start(**settings):
        settings = {"oauth_client_id": cluster.client_id, "oauth_client_secret": cluster.sa_token,
                    "oauth_issuer": cluster.url, "oauth_groups_claim": "realm_access.roles",
                    "oauth_redirect_url": tools.REDIRECT_HOST + "/oauth_callback", **settings}
        return await aiohttp_client(make_app(tools.plugins(), auth="oauth", **settings))

    return start
