"""labdeck-oauth: sign in with OpenShift or any OAuth2 / OpenID Connect provider.

Every way this plugin plugs into labdeck is on this screen: the ``oauth`` settings group
and two sign-in backends, ``openshift`` and ``oauth`` (generic OIDC), both small
subclasses of ``OAuthCodeFlow``, the authorization-code flow other packages build on
(labdeck-jupyterhub does). docs/oauth.md is the operator's guide.
"""

from __future__ import annotations

from labdeck import AuthBackend, Setting, hookimpl

from .base import GRANTS, SUBJECT, OAuthCodeFlow, SignedIn
from .flow import Flow, FlowError, LoginFlows
from .oidc import OIDCAuth
from .openshift import OpenShiftAuth
from .provider import Endpoints, OAuthClient, ProviderError, TokenError, request_json, tls_context
from .settings import OAUTH_SETTINGS, callback_route, configure_recheck

__version__ = "0.1.0"

__all__ = [
    "GRANTS",
    "SUBJECT",
    "Endpoints",
    "Flow",
    "FlowError",
    "LoginFlows",
    "OAuthClient",
    "OAuthCodeFlow",
    "OIDCAuth",
    "OpenShiftAuth",
    "ProviderError",
    "SignedIn",
    "TokenError",
    "callback_route",
    "configure_recheck",
    "request_json",
    "tls_context",
]


@hookimpl
def register_settings() -> list[Setting]:
    return list(OAUTH_SETTINGS)


@hookimpl
def register_auth_backends() -> list[type[AuthBackend]]:
    return [OpenShiftAuth, OIDCAuth]
