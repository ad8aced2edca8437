"""``%name%`` data variables: built-ins, plugins' ``workshop_variables``, the workshop's own.

Later sources win: built-ins, then what plugins return from ``workshop_variables``
(per request), then the workshop's ``config.vars`` (environment overrides and aliases
already applied) and ``config.js`` variables. Unknown ``%words%`` stay as written.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping

from aiohttp import web

from labdeck import Deck

from .escaping import VARIABLE, used_names
from .workshop import Workshop

__all__ = ["BUILTIN_NAMES", "VARIABLE", "builtin_variables", "request_variables", "used_names"]

log = logging.getLogger(__name__)

BUILTIN_NAMES = (
    "base_url", "username", "project_namespace", "cluster_subdomain", "terminal_url",
    "console_url", "slides_url", "restart_url", "workshop_title", "image_registry",
)


def builtin_variables(deck: Deck, workshop: Workshop, username: str = "") -> dict[str, str]:
    """Values that need no other plugin: paths under the prefix and this plugin's settings.

    URL paths carry no trailing slash, as in the original images, so authors write
    ``%terminal_url%/session/2``.
    """
    own = deck.settings.notes
    return {
        "base_url": deck.url("notes").rstrip("/"),
        "username": username,
        "project_namespace": own.project_namespace or "",
        "cluster_subdomain": own.cluster_subdomain or "",
        "terminal_url": deck.url("terminal").rstrip("/"),
        "console_url": deck.url("console").rstrip("/"),
        "slides_url": deck.url("notes", "slides").rstrip("/"),
        "restart_url": own.restart_url or "",
        "image_registry": own.image_registry or "",
        "workshop_title": workshop.title,
    }


async def request_variables(request: web.Request, workshop: Workshop) -> dict[str, str]:
    """Every variable for this request."""
    deck = Deck.of(request)
    values = builtin_variables(deck, workshop, Deck.principal(request).name)
    for result in deck.hook.workshop_variables(deck=deck, request=request):
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, Mapping):
            values.update({str(k): "" if v is None else str(v) for k, v in result.items()})
        elif result is not None:
            log.warning("a workshop_variables hook returned %s, not a dict; ignored", type(result).__name__)
    values.update(workshop.config_vars)
    return values
