import pytest
from aiohttp import web

from labdeck import ProgramSpec, ProxySpec, hookimpl
from labdeck.plugins import PluginError, make_plugin_manager, plugin_enabled
from labdeck_testing import make_app


async def hi(request):
    return web.Response(text="hi")


class RoutesPlugin:
    @hookimpl
    def register_routes(self, deck):
        return [web.get("/", hi)]


class ProxyOnTerminal:
    @hookimpl
    def register_proxies(self, deck):
        return [ProxySpec(path="terminal/", upstream="http://127.0.0.1:1/")]


class WrongType:
    @hookimpl
    def supervisor_programs(self, deck):
        return [{"name": "x", "command": ["true"]}]


class Misspelt:
    @hookimpl
    def register_route(self, deck):
        return []


def test_two_plugins_claiming_one_prefix_stop_the_start():
    with pytest.raises(PluginError, match=r"'other'.*'terminal/'.*'terminal'"):
        make_app({"terminal": RoutesPlugin(), "other": ProxyOnTerminal()})


def test_hook_returning_the_wrong_type_names_the_plugin():
    with pytest.raises(PluginError, match=r"plugin 'wrongtype': supervisor_programs returned .* expected ProgramSpec"):
        make_app({"wrongtype": WrongType()})


def test_misspelt_hook_is_a_start_error():
    with pytest.raises(PluginError, match="misspelt"):
        make_plugin_manager(discover=False, extra={"misspelt": Misspelt()})


def test_proxy_may_not_shadow_core_paths():
    class Shadow:
        @hookimpl
        def register_proxies(self, deck):
            return [ProxySpec(path="-/", upstream="http://127.0.0.1:1/")]

    with pytest.raises(PluginError, match="shadow"):
        make_app({"shadow": Shadow()})


@pytest.mark.parametrize(
    ("only", "disable", "env", "expected"),
    [
        (None, (), {}, True),
        (("notes",), (), {}, False),
        (None, ("terminal",), {}, False),
        (None, (), {"ENABLE_TERMINAL": "false"}, False),
        (None, (), {"ENABLE_TERMINAL": "true"}, True),
    ],
)
def test_allow_and_deny_lists(only, disable, env, expected):
    assert plugin_enabled("terminal", only, disable, env) is expected


def test_disabled_plugin_adds_nothing():
    app = make_app({"terminal": RoutesPlugin()}, environ={"ENABLE_TERMINAL": "false"})
    assert not any("terminal" in (r.canonical or "") for r in app.router.resources())


async def test_plugin_route_is_behind_auth(labdeck_client):
    from labdeck_testing import labdeck_login

    client = await labdeck_client({"hello": RoutesPlugin()}, prefix="/user/alice/")
    assert (await client.get("/user/alice/hello/")).status == 401
    await labdeck_login(client)
    response = await client.get("/user/alice/hello/")
    assert response.status == 200 and await response.text() == "hi"
    # without the slash, a redirect to the page rather than a 404
    response = await client.get("/user/alice/hello", allow_redirects=False)
    assert response.headers["Location"] == "/user/alice/hello/"


async def test_root_redirects_to_default_page(labdeck_client):
    from labdeck_testing import labdeck_login

    class Default:
        @hookimpl
        def default_page(self, deck):
            return "hello/"

    client = await labdeck_client({"hello": RoutesPlugin(), "default": Default()}, prefix="/p/")
    await labdeck_login(client)
    assert (await client.get("/p/", allow_redirects=False)).headers["Location"] == "/p/hello/"
    client = await labdeck_client({"hello": RoutesPlugin(), "default": Default()}, prefix="/p/",
                                  default_page="other/")
    await labdeck_login(client)
    assert (await client.get("/p/", allow_redirects=False)).headers["Location"] == "/p/other/"


def test_program_spec_reaches_the_runner():
    class Programs:
        @hookimpl
        def supervisor_programs(self, deck):
            return [ProgramSpec(name="sleeper", command=["sleep", "60"])]

    from labdeck.app import PROGRAMS

    assert "sleeper" in make_app({"p": Programs()})[PROGRAMS].programs
    assert PROGRAMS not in make_app({"p": Programs()}, run_programs=False)
