"""``oauth`` auth: any OAuth2 / OpenID Connect provider (Keycloak, Dex, GitLab, Google, GitHub,
a JupyterHub …), found by discovery (``--oauth-issuer``) or explicit URLs; the user and their
groups come from configurable claims, and ``--oauth-allowed-users`` / ``--oauth-allowed-groups``
(or ``--oauth-allow-all``) say who gets in: users by a stable claim (``--oauth-user-id-claim``,
``sub``), never by the display name (``preferred_username`` is editable at some providers).
"""

from __future__ import annotations

import logging

from aiohttp import web
from authlib.oauth2.rfc6749 import OAuth2Token

from labdeck import Deck, Principal, SessionCookies, Settings, SettingsError

from .base import SUBJECT, OAuthCodeFlow, SignedIn
from .provider import ProviderError, TokenError, as_groups, claim, request_json, tls_context
from .settings import configure_common, read_file

log = logging.getLogger("labdeck.oauth")


class OIDCAuth(OAuthCodeFlow):
    """Generic OAuth2 / OIDC: a confidential client of any provider."""

    name = "oauth"
    order = 21

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return bool(settings.oauth.client_id or settings.oauth.client_id_file)

    def __new__(cls, deck: Deck, sessions: SessionCookies):
        # ``--auth oauth`` meant OpenShift too when OAUTH_SERVICE_ACCOUNT was set, before the two were split
        if cls is OIDCAuth and deck.settings.oauth.service_account:
            from .openshift import OpenShiftAuth

            return OpenShiftAuth(deck, sessions)
        return super().__new__(cls)

    def __init__(self, deck: Deck, sessions: SessionCookies):
        super().__init__(deck, sessions)
        settings = deck.settings.oauth
        configure_common(self, settings)
        client_id = settings.client_id or read_file(settings.client_id_file, "--oauth-client-id-file")
        if not client_id:
            raise SettingsError("--oauth-client-id / LABDECK_OAUTH_CLIENT_ID: oauth auth needs a client id "
                                "(or OAUTH_SERVICE_ACCOUNT for OpenShift)")
        if not settings.issuer and not (settings.authorize_url and settings.token_url):
            raise SettingsError("--oauth-issuer / LABDECK_OAUTH_ISSUER: set the provider's URL for discovery, "
                                "or both --oauth-authorize-url and --oauth-token-url")
        if not (self.allowed_users or self.allowed_groups or settings.allow_all):
            raise SettingsError("--oauth-allowed-users / --oauth-allowed-groups: say who may enter, or set "
                                "--oauth-allow-all to let in everyone the provider signs in")
        secret_file = settings.client_secret_file
        if settings.client_secret:
            secret = settings.client_secret
            self.client_secret = lambda: secret
        elif secret_file:
            read_file(secret_file, "--oauth-client-secret-file")
            self.client_secret = lambda: read_file(secret_file, "--oauth-client-secret-file")
        else:
            raise SettingsError("--oauth-client-secret / LABDECK_OAUTH_CLIENT_SECRET: oauth auth needs the "
                                "client secret (or --oauth-client-secret-file)")
        self.client_id = client_id
        self.issuer = settings.issuer
        self.ssl_context = tls_context(settings.ca_file)
        self.scope = settings.scope if settings.scope is not None else "openid profile email"
        self.token_auth_method = settings.token_auth_method
        self.username_claim = settings.username_claim
        self.user_id_claim = settings.user_id_claim
        self.groups_claim = settings.groups_claim
        self.allow_all = bool(settings.allow_all)
        self.secret_seed = b"oauth:" + client_id.encode() + b":" + (self.client_secret() or "").encode()

    def startup_message(self, url: str) -> str:
        return f"Sign-in with OAuth ({self.issuer or 'provider'}), client {self.client_id}"

    async def lookup_user(self, token: OAuth2Token) -> SignedIn:
        endpoints = await self.endpoints()
        if not endpoints.userinfo_url:
            raise ProviderError("no user-info endpoint: set --oauth-userinfo-url")
        status, claims = await request_json("GET", endpoints.userinfo_url, bearer=token["access_token"],
                                            ssl_context=self.ssl_context)
        if status in (401, 403):
            raise TokenError(f"user info: HTTP {status} (the token is not, or no longer, valid)")
        if status != 200 or not isinstance(claims, dict):
            raise ProviderError(f"user info: HTTP {status}")
        name = claim(claims, self.username_claim)
        if not isinstance(name, str | int) or not str(name):
            raise ProviderError(f"user info has no {self.username_claim!r} claim (see --oauth-username-claim)")
        subject = claim(claims, self.user_id_claim)
        if not isinstance(subject, str | int) or not str(subject):
            raise ProviderError(f"user info has no {self.user_id_claim!r} claim (see --oauth-user-id-claim)")
        return SignedIn(Principal(name=str(name), backend=self.name,
                                  groups=as_groups(claim(claims, self.groups_claim))), subject=str(subject))

    async def allow(self, principal: Principal, request: web.Request) -> bool:
        """The allow-lists (users by their stable id, ``--oauth-user-id-claim``), or ``--oauth-allow-all``."""
        if self.listed(principal, request) or self.allow_all:
            return True
        log.info("refused %s (id %s: not in the allow-lists)", principal.name, request.get(SUBJECT))
        return False
