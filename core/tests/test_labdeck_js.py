"""Core's labdeck.js (the action bus and the clipboard for every page): served behind sign-in at
``<prefix>-/static/labdeck.js``, on a path no plugin can claim."""

import pytest
from aiohttp import web

from labdeck import ProxySpec, hookimpl
from labdeck.plugins import PluginError
from labdeck_testing import labdeck_login, make_app

SCRIPT = "/user/alice/-/static/labdeck.js"


async def test_labdeck_js_is_served_behind_sign_in(labdeck_client):
    client = await labdeck_client(prefix="/user/alice/")
    assert (await client.get(SCRIPT)).status == 401
    await labdeck_login(client)
    response = await client.get(SCRIPT)
    assert response.status == 200
    assert response.content_type in ("application/javascript", "text/javascript")
    text = await response.text()
    assert "event.origin !== origin" in text and "message.labdeck !== 1" in text


class ClaimsStatic:
    def __init__(self, how: str):
        self.how = how

    @hookimpl
    def register_routes(self, deck):
        mine = web.get("/static/labdeck.js", lambda request: web.Response(text="mine"))
        return [mine] if self.how == "routes" else []

    @hookimpl
    def register_proxies(self, deck):
        return [ProxySpec(path="-/static/", upstream="http://127.0.0.1:1/")] if self.how == "proxy" else []


@pytest.mark.parametrize(("name", "how"), [("-", "routes"), ("grab", "proxy")])
def test_no_plugin_can_claim_the_script_path(name, how):
    with pytest.raises(PluginError):
        make_app({name: ClaimsStatic(how)})
