"""labdeck-supervisor: supervisord as the parent of every process of a labdeck container.

``labdeck run`` (the images' entry point) and ``labdeck supervisord-conf``; see run.py and conf.py.
"""

from __future__ import annotations

import argparse

from labdeck import Command, Setting, hookimpl

__version__ = "0.2.0"


@hookimpl
def register_settings():
    return [Setting("include", type=list, default=("/opt/app-root/etc/supervisor/*.conf",),
                    help="globs of the workshop's own supervisord .conf files to include")]


def _run(args: argparse.Namespace) -> int:
    from .run import run

    return run(args.deck, args.setting_environment)


def _print_conf(args: argparse.Namespace) -> int:
    from .conf import render_supervisord_conf

    print(render_supervisord_conf(args.deck), end="")
    return 0


@hookimpl
def register_commands():
    return [
        Command("run", "write supervisord.conf and become supervisord (the container entry point)", _run,
                with_settings=True),
        Command("supervisord-conf", "print the supervisord.conf that 'labdeck run' would write", _print_conf,
                with_settings=True),
    ]
