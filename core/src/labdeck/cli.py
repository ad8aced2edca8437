"""The ``labdeck`` command: ``serve``, ``plugins``, ``settings``, and every plugin's commands
(``run`` and ``supervisord-conf`` come with labdeck-supervisor)."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Mapping, Sequence

import pluggy

from . import __version__
from .core_settings import CORE_SETTINGS, finalize_settings
from .deck import Deck
from .plugins import PluginError, call_each, collect, make_plugin_manager, plugin_infos
from .settings import Setting, Settings, SettingsError, check_unique, declare, load_settings, parse_bool, parse_list
from .settings_docs import settings_markdown
from .specs import Command


def setting_specs(pm: pluggy.PluginManager) -> list[Setting]:
    """Core's settings, then each plugin's group by name; a claim made twice is an error."""
    specs = list(CORE_SETTINGS)
    for plugin, value in sorted(call_each(pm, "register_settings"), key=lambda pair: pair[0]):
        specs += declare(plugin, value)
    return check_unique(specs)


def add_setting_flags(parser: argparse.ArgumentParser, specs: Sequence[Setting]) -> None:
    for spec in specs:
        envs = ", ".join(spec.env_names)
        default = "(hidden)" if spec.secret else spec.default
        help_text = f"{spec.help} [env: {envs}; default: {default}]"
        if spec.parser is parse_bool:
            group = parser.add_mutually_exclusive_group()
            group.add_argument(spec.flag_name, dest=spec.key, action="store_const", const="true", help=help_text)
            group.add_argument("--no-" + spec.flag_name[2:], dest=spec.key, action="store_const", const="false",
                               help=argparse.SUPPRESS)
        else:
            parser.add_argument(spec.flag_name, dest=spec.key, metavar=spec.name.upper(), help=help_text)


def settings_from_args(specs: Sequence[Setting], args: argparse.Namespace,
                       environ: Mapping[str, str] | None = None) -> Settings:
    flags = {spec.key: getattr(args, spec.key, None) for spec in specs}
    return load_settings(specs, flags, environ)


def _selection(argv: Sequence[str], environ: Mapping[str, str]) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--plugins")
    pre.add_argument("--disable")
    known, _ = pre.parse_known_args(argv)
    only_text = known.plugins if known.plugins is not None else environ.get("LABDECK_PLUGINS")
    disable_text = known.disable if known.disable is not None else environ.get("LABDECK_DISABLE", "")
    return (parse_list(only_text) if only_text else None), parse_list(disable_text)


def build_parser(pm: pluggy.PluginManager, specs: Sequence[Setting]) -> tuple[argparse.ArgumentParser, dict]:
    parser = argparse.ArgumentParser(prog="labdeck", description="Workshop notes beside live terminals.")
    parser.add_argument("--version", action="version", version=f"labdeck {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="start the labdeck server")
    add_setting_flags(serve, specs)
    sub.add_parser("plugins", help="list the plugins found and the hooks they implement")
    settings = sub.add_parser("settings", help="list every setting of core and the plugins found")
    settings.add_argument("--markdown", action="store_true", help="as the Markdown tables of docs/configuration.md")
    commands: dict[str, Command] = {}
    for plugin, command in collect(pm, "register_commands", Command):
        if command.name in commands or command.name in sub.choices:
            raise PluginError(f"plugin {plugin!r}: command {command.name!r} exists already")
        commands[command.name] = command
        command_parser = sub.add_parser(command.name, help=command.help)
        if command.with_settings:
            add_setting_flags(command_parser, specs)
        if command.configure:
            command.configure(command_parser)
    return parser, commands


def flags_as_environment(specs: Sequence[Setting], args: argparse.Namespace) -> dict[str, str]:
    """Each setting given as a flag -> its first environment variable (flags win, so the first wins too)."""
    return {spec.env_names[0]: value for spec in specs if (value := getattr(args, spec.key, None)) is not None}


def cmd_plugins(pm: pluggy.PluginManager) -> int:
    for info in plugin_infos(pm):
        print(f"{info.name:<14} {info.distribution} {info.version}")
        print(f"{'':<14} hooks: {', '.join(info.hooks) or '-'}")
    return 0


def cmd_settings(specs: Sequence[Setting], markdown: bool) -> int:
    if markdown:
        print(settings_markdown(specs), end="")
        return 0
    for spec in specs:
        print(f"{spec.key:<30} {spec.describe()}")
    return 0


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    environ = os.environ if environ is None else environ
    try:
        only, disable = _selection(argv, environ)
        pm = make_plugin_manager(only=only, disable=disable, environ=environ)
        specs = setting_specs(pm)
        parser, commands = build_parser(pm, specs)
        args = parser.parse_args(argv)
        if args.command == "plugins":
            return cmd_plugins(pm)
        if args.command == "settings":
            return cmd_settings(specs, args.markdown)
        if args.command in commands:
            gc.enable()  # paused for the start (__main__.py); a plugin's command may run for long
            command = commands[args.command]
            args.deck = Deck(finalize_settings(settings_from_args(specs, args, environ)), pm)
            if command.with_settings:
                args.setting_environment = {**environ, **flags_as_environment(specs, args)}
            return command.run(args)
        settings = finalize_settings(settings_from_args(specs, args, environ))
        from .server import serve

        return serve(settings, pm)
    except (SettingsError, PluginError) as error:
        print(f"labdeck: {error}", file=sys.stderr)
        return 2
