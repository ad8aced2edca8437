"""labdeck-console: a web console (OpenShift console, Kubernetes dashboard) in a dashboard tab.

Every way this plugin plugs into labdeck is on this screen. It has no pages of
its own: core's proxy serves ``console/`` from ``CONSOLE_URL`` (see config.py
for the token, TLS and program details, docs/console.md for operators).
"""

from __future__ import annotations

import logging
from pathlib import Path

from labdeck import ProgramSpec, ProxySpec, Setting, hookimpl

from .config import PATH, console_from, console_program, parse_console_url, warn_about

__version__ = "0.1.0"

log = logging.getLogger("labdeck.console")


@hookimpl
def register_settings() -> list[Setting]:
    return [
        Setting("url", env="CONSOLE_URL", type=parse_console_url,
                help="the web console to show in the Console tab (http or https, may have a path)"),
        Setting("token", secret=True, help="bearer token sent to the console (default: the token file's)"),
        Setting("token_file",
                help="file holding the bearer token, read again when it changes (default: the pod's "
                     "service-account token when it exists; 'none' sends no token)"),
        Setting("ca_file", type=Path,
                help="CA certificates (PEM) trusted for an https console, beside the system's "
                     "(default: the cluster's CA files when present)"),
        Setting("verify_tls", type=bool, default=True,
                help="verify the console's TLS certificate; false turns verification OFF"),
        Setting("command",
                help="run the console as a program: a command line where {port} and {base_path} are replaced"),
        Setting("port", type=int, default=10083,
                help="loopback port the console command listens on (CONSOLE_URL defaults to it)"),
        Setting("keep_path", type=bool, default=False,
                help="send the full public path upstream (a console told its base path, e.g. {base_path})"),
    ]


@hookimpl
def register_proxies(deck) -> list[ProxySpec]:
    """Called once while the app is built: the one place that says what was configured."""
    console = console_from(deck)
    if console is None:
        log.info("console: not configured (no CONSOLE_URL or LABDECK_CONSOLE_COMMAND); no Console tab")
        return []
    warn_about(console)
    return [ProxySpec(path=PATH, upstream=console.url, keep_path=console.keep_path, ssl=console.tls,
                      headers=console.token.headers if console.token else {}, allow_framing=True)]


@hookimpl
def supervisor_programs(deck) -> list[ProgramSpec]:
    program = console_program(deck)
    return [program] if program else []


@hookimpl(optionalhook=True)  # the dashboard's hook
def dashboard_tabs(deck):
    from labdeck_dashboard import Tab

    return [Tab(name="Console", url=PATH, title="Web console")] if configured(deck) else []


@hookimpl(optionalhook=True)  # the notes plugin's hook
def workshop_variables(deck) -> dict[str, str]:
    return {"console_url": deck.url(PATH).rstrip("/")} if configured(deck) else {}


def configured(deck) -> bool:
    """Cheap (no file or TLS work): for the per-request hooks."""
    return bool(deck.settings.console.url or deck.settings.console.command)
