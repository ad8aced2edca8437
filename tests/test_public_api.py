"""Every plugin, built-in or not, uses only ``labdeck``'s public names.

The public API is ``labdeck.__all__`` (docs/plugins.md, "The public API"); the test helpers
are a distribution of their own, ``labdeck_testing``, not ``labdeck``'s to police. The first
test reads every plugin's source with ``ast`` and lists each use of anything else, as
``file:line``. The others show that each hook of the contract can be implemented, and does
what docs/hooks.md says, with public names alone (they are also the tests that
core/tests/test_docs.py's "every hook has a test" finds for hooks no other test implements).
"""

from __future__ import annotations

import argparse
import ast
import getpass
import types
from pathlib import Path

import pytest
from aiohttp import web

import labdeck
from labdeck import AuthBackend, Command, Deck, Principal, Setting, hookimpl, hookspec
from labdeck_testing import labdeck_login, make_app, make_deck

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = frozenset(labdeck.__all__)
#: submodules of labdeck plugins may import: none
PUBLIC_MODULES: frozenset[str] = frozenset()


def plugin_sources() -> list[Path]:
    return sorted([*ROOT.glob("plugins/*/src/**/*.py"), *ROOT.glob("tests/plugin_example/src/**/*.py")])


def private_uses(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for every use of a ``labdeck`` name outside the public API."""
    found: list[tuple[int, str]] = []
    aliases: set[str] = set()  # local names bound to the labdeck package itself
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "labdeck":
                for alias in node.names:
                    if alias.name != "*" and alias.name not in PUBLIC | PUBLIC_MODULES:
                        found.append((node.lineno, f"from labdeck import {alias.name}"))
            elif node.module.startswith("labdeck."):
                if node.module.split(".")[1] not in PUBLIC_MODULES:
                    found.append((node.lineno, f"from {node.module} import ..."))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "labdeck":
                    aliases.add(alias.asname or "labdeck")
                elif alias.name.startswith("labdeck."):
                    if alias.name.split(".")[1] not in PUBLIC_MODULES:
                        found.append((node.lineno, f"import {alias.name}"))
                    elif alias.asname is None:
                        aliases.add("labdeck")
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            # importlib.import_module("labdeck.something")
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            target = node.args[0].value
            if name in ("import_module", "__import__") and isinstance(target, str) and target.startswith("labdeck."):
                if target.split(".")[1] not in PUBLIC_MODULES:
                    found.append((node.lineno, f"{name}({target!r})"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr not in PUBLIC | PUBLIC_MODULES):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
    return sorted(set(found))


def test_the_scan_finds_plugins():
    names = {path.relative_to(ROOT).parts[1] for path in plugin_sources() if path.parts[-5] == "plugins"}
    assert {"dashboard", "notes", "terminal"} <= names, names
    assert ROOT / "tests/plugin_example/src/labdeck_example/__init__.py" in plugin_sources()


@pytest.mark.parametrize(("source", "expected"), [
    ("from labdeck import Deck, hookimpl", []),
    ("from labdeck import Deck, DECK", ["from labdeck import DECK"]),
    ("from labdeck.settings import Setting", ["from labdeck.settings import ..."]),
    ("from labdeck.auth.base import AuthBackend", ["from labdeck.auth.base import ..."]),
    ("import labdeck.deck", ["import labdeck.deck"]),
    ("import labdeck\nlabdeck.hookimpl\nlabdeck.plugins.collect", ["labdeck.plugins"]),
    ("import labdeck as ld\nld.Deck\nld.settings", ["ld.settings"]),
    ("import importlib\nimportlib.import_module('labdeck.deck')", ["import_module('labdeck.deck')"]),
    ("from .labdeck import x\nfrom labdeck_dashboard import Tab", []),
])
def test_the_scan_itself(source, expected):
    assert [what for _, what in private_uses(ast.parse(source))] == expected


def test_the_scan_and_the_test_helpers():
    source = "from labdeck import testing\nfrom labdeck.testing import make_app\nimport labdeck.testing"
    found = [what for _, what in private_uses(ast.parse(source))]
    assert found == ["from labdeck import testing", "from labdeck.testing import ...", "import labdeck.testing"]


def test_plugins_use_only_public_names():
    problems = []
    for path in plugin_sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        problems += [f"{path.relative_to(ROOT)}:{line}: {what}" for line, what in private_uses(tree)]
    assert not problems, (
        "plugins may use only labdeck.__all__ and labdeck.testing (docs/plugins.md, 'The public API'); "
        "found:\n" + "\n".join(problems))


# --- each hook of the contract, implemented with public names alone --------------------------------


class Greeter:
    """A plugin with a setting, its own hookspec, a sign-in backend and a command."""

    @hookimpl
    def register_settings(self):
        return [Setting("greeting", default="hello", help="what to say"),
                Setting("secret_word", secret=True, help="never shown")]

    @hookimpl
    def register_hookspecs(self):
        return types.SimpleNamespace(greeters=greeters_spec)

    @hookimpl
    def register_auth_backends(self):
        return [HeaderAuth]

    @hookimpl
    def register_commands(self):
        def configure(parser: argparse.ArgumentParser) -> None:
            parser.add_argument("who")

        def run(args: argparse.Namespace) -> int:
            print(f"{args.deck.settings.greeter.greeting}, {args.who}")
            return 3

        return [Command(name="greet", help="say hello", run=run, configure=configure)]

    @hookimpl
    def register_routes(self, deck):
        async def greet(request: web.Request) -> web.Response:
            names = [name for answer in Deck.of(request).hook.greeters(deck=deck) for name in answer]
            return web.Response(text=f"{deck.settings.greeter.greeting} {' '.join(names)}: "
                                     f"{Deck.principal(request).name} via {Deck.principal(request).backend}")

        return [web.get("/", greet)]


@hookspec
def greeters_spec(deck):
    """Return a list of names (the Greeter plugin's own hook)."""


class Friend:
    """Implements the Greeter's hook; optional, so it loads without the Greeter too."""

    @hookimpl(optionalhook=True)
    def greeters(self, deck):
        return ["friend"]


class HeaderAuth(AuthBackend):
    """Signs in whoever sends ``X-User``; chosen without --auth when the greeting is 'hi'."""

    name = "header"
    order = 10

    @classmethod
    def configured(cls, settings) -> bool:
        return settings.greeter.greeting == "hi"

    async def authenticate(self, request: web.Request) -> Principal | None:
        user = request.headers.get("X-User")
        return Principal(name=user, backend=self.name) if user else None

    async def allow(self, principal: Principal, request: web.Request) -> bool:
        return principal.name != "mallory"


def test_register_settings_makes_a_group_with_default_names():
    deck = make_deck({"greeter": Greeter()}, environ={"LABDECK_GREETER_GREETING": "hey",
                                                      "LABDECK_GREETER_SECRET_WORD": "swordfish"})
    assert deck.settings.greeter.greeting == "hey"
    assert deck.settings.secrets()["LABDECK_GREETER_SECRET_WORD"] == "swordfish"
    assert "swordfish" not in repr(deck.settings)
    assert make_deck({"greeter": Greeter()}, greeter_greeting="yo").settings.greeter.greeting == "yo"


def test_register_hookspecs_adds_a_hook_others_implement_optionally():
    deck = make_deck({"greeter": Greeter(), "friend": Friend()})
    assert deck.hook.greeters(deck=deck) == [["friend"]]
    alone = make_deck({"friend": Friend()})  # no Greeter: the optional hook is no error
    assert alone.has("friend") and not alone.has("greeter")


async def test_register_auth_backends_chosen_by_configured_and_allow(aiohttp_client):
    client = await aiohttp_client(make_app({"greeter": Greeter(), "friend": Friend()}, greeter_greeting="hi"))
    response = await client.get("/greeter/", headers={"X-User": "ada"})
    assert response.status == 200 and await response.text() == "hi friend: ada via header"
    assert (await client.get("/greeter/", headers={"X-User": "mallory"})).status == 403  # the backend's allow
    assert (await client.get("/greeter/")).status == 401


async def test_without_configuration_token_auth_stays(aiohttp_client):
    client = await aiohttp_client(make_app({"greeter": Greeter()}))
    assert (await client.get("/greeter/", headers={"X-User": "ada"})).status == 401
    await labdeck_login(client)
    assert await (await client.get("/greeter/")).text() == f"hello : {getpass.getuser()} via token"


def test_register_commands_adds_a_labdeck_subcommand(monkeypatch, capsys):
    from labdeck import cli  # the command line itself, driven as `labdeck greet ada` would be
    from labdeck.plugins import make_plugin_manager

    monkeypatch.setattr(cli, "make_plugin_manager",
                        lambda **kwargs: make_plugin_manager(discover=False, extra={"greeter": Greeter()}))
    assert cli.main(["greet", "ada"], environ={}) == 3
    assert capsys.readouterr().out == "hello, ada\n"

