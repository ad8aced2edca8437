"""The plugin's hooks: settings, the program core runs, the proxy, the default page, variables."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from terminal_helpers import short_dir

import labdeck_terminal.butterfly
from labdeck import SettingsError
from labdeck.cli import main
from labdeck.deck import Deck
from labdeck.plugins import make_plugin_manager
from labdeck_terminal import plugin as terminal_plugin
from labdeck_terminal.options import ServerOptions
from labdeck_testing import make_settings


def settings_for(**environ: str):
    pm = make_plugin_manager(discover=False, extra={"terminal": terminal_plugin})
    folder = short_dir()
    return pm, Deck(make_settings(pm, {"LABDECK_RUNTIME_DIR": str(folder), **environ}), pm)


def test_own_backend_program_and_proxy():
    pm, deck = settings_for(TERMINAL_HOME="/srv/work", LABDECK_TERMINAL_SESSIONS="4",
                            LABDECK_TERMINAL_PROFILE_DIRS="/a/profile.d,/b/profile.d", AUTH_PASSWORD="hunter2")
    [program] = pm.hook.supervisor_programs(deck=deck)[0]
    assert program.name == "terminal"
    assert program.command[:4] == [sys.executable, "-m", "labdeck_terminal.server", "--options"]
    options = ServerOptions.from_json(program.command[4])
    socket = str(deck.settings.core.runtime_dir / "terminal.sock")
    assert (options.socket, options.home, options.sessions) == (socket, "/srv/work", 4)
    assert options.profile_dirs == ("/a/profile.d", "/b/profile.d")
    # every declared secret is kept from the shells, by name; no secret value is on the command line
    assert {"AUTH_PASSWORD", "LABDECK_TOKEN"} <= set(options.hidden_env)
    assert "hunter2" not in " ".join(program.command)
    [proxy] = pm.hook.register_proxies(deck=deck)[0]
    assert (proxy.path, proxy.unix_socket, proxy.keep_path) == ("terminal/", socket, False)
    assert [spec.name for spec in deck.programs()] == ["terminal"]


@pytest.mark.skipif(labdeck_terminal.butterfly.server_script() is None,
                    reason="pip install 'labdeck-terminal[butterfly]'")
def test_butterfly_backend_keeps_the_public_path_and_a_stable_port():
    pm, deck = settings_for(TERMINAL_BACKEND="butterfly", URI_ROOT_PATH="/user/alice/")
    [program] = pm.hook.supervisor_programs(deck=deck)[0]
    assert "--root" in program.command and "/user/alice/terminal" in program.command
    [proxy] = pm.hook.register_proxies(deck=deck)[0]
    assert proxy.keep_path is True and proxy.upstream.startswith("http://127.0.0.1:")
    port = program.command[program.command.index("--port") + 1]
    assert proxy.upstream == f"http://127.0.0.1:{port}/"
    # a restarted web process computes the same port (Butterfly may still be running there)
    again = pm.hook.register_proxies(deck=deck)[0][0]
    assert again.upstream == proxy.upstream


def test_butterfly_backend_without_butterfly_refuses_to_start_with_the_install_command(monkeypatch, capsys):
    monkeypatch.setattr(labdeck_terminal.butterfly, "server_script", lambda: None)
    pm, deck = settings_for(TERMINAL_BACKEND="butterfly")
    with pytest.raises(SettingsError, match=r"pip install 'labdeck-terminal\[butterfly\]'"):
        pm.hook.supervisor_programs(deck=deck)
    # `labdeck serve` (and `labdeck run`, which writes the programs first) stop at once with the
    # command, instead of a program that dies and restarts behind a "not answering" page
    environ = {"TERMINAL_BACKEND": "butterfly", "LABDECK_PLUGINS": "terminal,supervisor", "LABDECK_PORT": "0",
               "LABDECK_RUNTIME_DIR": str(short_dir())}
    commands = [["serve"], ["supervisord-conf"]] if importlib.util.find_spec("labdeck_supervisor") else [["serve"]]
    for command in commands:
        assert main(command, environ=environ) == 2
        assert "pip install 'labdeck-terminal[butterfly]'" in capsys.readouterr().err


def test_default_page_and_workshop_variables():
    pm, deck = settings_for(URI_ROOT_PATH="/user/alice/")
    assert pm.hook.default_page(deck=deck) == "terminal/session/1"
    assert {"terminal_url": "/user/alice/terminal"} in pm.hook.workshop_variables(deck=deck, request=None)


def test_a_dashboard_default_page_wins_whatever_the_order():
    from labdeck import hookimpl

    class Dashboard:
        @hookimpl
        def default_page(self, deck):
            return "dashboard/"

    for plugins in ({"terminal": terminal_plugin, "dashboard": Dashboard()},
                    {"dashboard": Dashboard(), "terminal": terminal_plugin}):
        pm = make_plugin_manager(discover=False, extra=plugins)
        deck = Deck(make_settings(pm, {"LABDECK_RUNTIME_DIR": str(short_dir())}), pm)
        assert pm.hook.default_page(deck=deck) == "dashboard/"
