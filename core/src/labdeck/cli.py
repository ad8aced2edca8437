"""The ``labdeck`` command: ``serve``, ``run``, ``copy-once``, ``plugins``, ``supervisord-conf``, plugin commands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

import pluggy

from . import __version__, copy_once
from .core_settings import CORE_SETTINGS, finalize_settings
from .plugins import PluginError, collect, make_plugin_manager, plugin_infos
from .run import INCLUDE_SETTING, flags_as_environment, run
from .settings import Setting, Settings, SettingsError, check_unique, load_settings, parse_bool, parse_list
from .specs import Command


def setting_specs(pm: pluggy.PluginManager) -> dict[str, Setting]:
    from .auth import BUILTIN_BACKENDS

    pairs = [("labdeck", s) for s in CORE_SETTINGS]
    pairs += [("labdeck", s) for backend in BUILTIN_BACKENDS for s in backend.settings_specs]
    pairs += collect(pm, "register_settings", Setting)
    return check_unique(pairs)


def add_setting_flags(parser: argparse.ArgumentParser, specs: Mapping[str, Setting]) -> None:
    for spec in specs.values():
        envs = ", ".join(spec.env_names)
        default = "(hidden)" if spec.secret else spec.default
        help_text = f"{spec.help} [env: {envs}; default: {default}]"
        if spec.parser is parse_bool:
            group = parser.add_mutually_exclusive_group()
            group.add_argument(spec.flag_name, dest=spec.name, action="store_const", const="true", help=help_text)
            group.add_argument("--no-" + spec.flag_name[2:], dest=spec.name, action="store_const", const="false",
                               help=argparse.SUPPRESS)
        else:
            parser.add_argument(spec.flag_name, dest=spec.name, metavar=spec.name.upper(), help=help_text,
                                choices=None)


def settings_from_args(specs: Mapping[str, Setting], args: argparse.Namespace,
                       environ: Mapping[str, str] | None = None) -> Settings:
    flags = {name: getattr(args, name, None) for name in specs}
    return load_settings(specs, flags, environ)


def _selection(argv: Sequence[str], environ: Mapping[str, str]) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--plugins")
    pre.add_argument("--disable")
    known, _ = pre.parse_known_args(argv)
    only_text = known.plugins if known.plugins is not None else environ.get("LABDECK_PLUGINS")
    disable_text = known.disable if known.disable is not None else environ.get("LABDECK_DISABLE", "")
    return (parse_list(only_text) if only_text else None), parse_list(disable_text)


def build_parser(pm: pluggy.PluginManager, specs: Mapping[str, Setting]) -> tuple[argparse.ArgumentParser, dict]:
    parser = argparse.ArgumentParser(prog="labdeck", description="Workshop notes beside live terminals.")
    parser.add_argument("--version", action="version", version=f"labdeck {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="start the labdeck server")
    add_setting_flags(serve, specs)
    sub.add_parser("plugins", help="list the plugins found and the hooks they implement")
    conf = sub.add_parser("supervisord-conf", help="print a supervisord.conf running labdeck and its programs")
    conf.add_argument("--include", action="append", default=[], metavar="GLOB",
                      help="extra supervisord .conf files to include (may be repeated)")
    add_setting_flags(conf, specs)
    run = sub.add_parser("run", help="write supervisord.conf and become supervisord (the container entry point)")
    add_setting_flags(run, {**specs, INCLUDE_SETTING.name: INCLUDE_SETTING})
    copy = sub.add_parser("copy-once", help="copy a folder into a volume the first time only (for init containers)")
    copy_once.configure(copy)
    commands: dict[str, Command] = {}
    for plugin, command in collect(pm, "register_commands", Command):
        if command.name in commands or command.name in sub.choices:
            raise PluginError(f"plugin {plugin!r}: command {command.name!r} exists already")
        commands[command.name] = command
        command_parser = sub.add_parser(command.name, help=command.help)
        if command.configure:
            command.configure(command_parser)
    return parser, commands


def cmd_plugins(pm: pluggy.PluginManager) -> int:
    infos = plugin_infos(pm)
    if not infos:
        print("No plugins found (entry-point group 'labdeck').")
    for info in infos:
        print(f"{info.name:<14} {info.distribution} {info.version}")
        print(f"{'':<14} hooks: {', '.join(info.hooks) or '-'}")
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
        if args.command == "copy-once":
            return copy_once.main(args)
        if args.command in commands:
            args.settings = load_settings(specs, {}, environ)
            return commands[args.command].run(args)
        if args.command == "run":
            specs = {**specs, INCLUDE_SETTING.name: INCLUDE_SETTING}
            settings = finalize_settings(settings_from_args(specs, args, environ))
            return run(settings, pm, {**environ, **flags_as_environment(specs, args)})
        settings = finalize_settings(settings_from_args(specs, args, environ))
        if args.command == "supervisord-conf":
            from .supervisor import render_supervisord_conf

            print(render_supervisord_conf(settings, pm, include=args.include), end="")
            return 0
        from .server import serve

        return serve(settings, pm)
    except (SettingsError, PluginError) as error:
        print(f"labdeck: {error}", file=sys.stderr)
        return 2
