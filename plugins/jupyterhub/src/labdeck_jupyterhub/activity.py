"""Tell the hub when this server was last used, so its idle culler spares busy servers.

Core records every authenticated request and every WebSocket message through the proxy in
``deck.activity``; this reports ``deck.activity.last`` to ``JUPYTERHUB_ACTIVITY_URL`` at
most once per ``JUPYTERHUB_ACTIVITY_INTERVAL`` seconds, and only when there was some.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import aiohttp

log = logging.getLogger("labdeck.jupyterhub")


async def report_activity(client: aiohttp.ClientSession, activity: Any, url: str, server_name: str,
                          api_token: str, interval: float) -> None:
    """Runs until cancelled. ``activity`` is ``deck.activity`` (its ``last`` is a Unix time)."""
    reported = 0.0
    while True:
        await asyncio.sleep(interval)
        last = activity.last
        if last <= reported:
            continue
        stamp = datetime.fromtimestamp(last, UTC).isoformat().replace("+00:00", "Z")
        body = {"servers": {server_name: {"last_activity": stamp}}, "last_activity": stamp}
        try:
            async with client.post(url, json=body, headers={"Authorization": f"token {api_token}"}) as response:
                if response.status >= 400:
                    log.warning("the hub refused the activity report: %s", response.status)
                else:
                    reported = last
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("could not report activity to the hub: %s", type(error).__name__)
