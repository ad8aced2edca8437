"""``%name%`` data variables: built-ins, plugins' ``workshop_variables``, the workshop's own.

Later sources win: built-ins, then what plugins return from ``workshop_variables``
(per request), then the workshop's ``config.vars`` (environment overrides and aliases
already applied) and ``config.js`` variables. Unknown ``%words%`` stay as written.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from labdeck import keys
from labdeck.plugins import call_async

from .workshop import Workshop

log = logging.getLogger(__name__)

VARIABLE = re.compile(r"%([A-Za-z_][A-Za-z0-9_]*)%")

BUILTIN_NAMES = (
    "base_url", "username", "project_namespace", "cluster_subdomain", "terminal_url",
    "console_url", "slides_url", "restart_url", "workshop_title",
)


def builtin_variables(settings: Any, workshop: Workshop, username: str = "",
                      environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Values that need no plugin: paths under the prefix and the operator's settings.

    URL paths carry no trailing slash, as in the original images, so authors write
    ``%terminal_url%/session/2``.
    """
    environ = os.environ if environ is None else environ
    prefix = settings.prefix
    return {
        "base_url": prefix + "notes",
        "username": username,
        "project_namespace": settings.get("project_namespace") or "",
        "cluster_subdomain": settings.get("cluster_subdomain") or "",
        "terminal_url": prefix + "terminal",
        "console_url": prefix + "console",
        "slides_url": prefix + "notes/slides",
        "restart_url": settings.get("restart_url") or environ.get("RESTART_URL", ""),
        "workshop_title": workshop.title,
    }


async def request_variables(request: web.Request, workshop: Workshop) -> dict[str, str]:
    """Every variable for this request."""
    settings = request.config_dict[keys.SETTINGS]
    principal = request.get(keys.PRINCIPAL)
    values = builtin_variables(settings, workshop, getattr(principal, "name", "") or "")
    pm = request.config_dict.get(keys.PLUGIN_MANAGER)
    if pm is not None:
        for result in pm.hook.workshop_variables(settings=settings, request=request):
            result = await call_async(result)
            if isinstance(result, Mapping):
                values.update({str(k): "" if v is None else str(v) for k, v in result.items()})
            elif result is not None:
                log.warning("a workshop_variables hook returned %s, not a dict; ignored", type(result).__name__)
    values.update(workshop.config_vars)
    return values


def used_names(text: str) -> set[str]:
    return set(VARIABLE.findall(text))


def substitute(text: str, values: Mapping[str, str]) -> str:
    """Replace ``%name%`` for every known name; anything else stays as written."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else value

    return VARIABLE.sub(replace, text)
