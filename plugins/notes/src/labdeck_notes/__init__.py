"""labdeck-notes: the workshop notes under ``<prefix>notes/``.

Every way this plugin plugs into labdeck is on this screen.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from labdeck import Command, Setting, hookimpl

from . import hookspecs

__version__ = "0.1.0"


def restart_link(text: str) -> str:
    """RESTART_URL: the finish button's href, so a ``javascript:`` or ``data:`` value would run
    in the notes page; only an http(s) URL or a path of this site is taken."""
    value = text.strip()
    url = urlsplit(value)  # as browsers do, it drops tabs and newlines: "java\tscript:" is javascript:
    if not ((url.scheme in ("http", "https") and url.netloc) or (not url.scheme and value.startswith("/"))):
        raise ValueError("a restart URL is http:// or https:// or a path starting with /")
    return value


@hookimpl
def register_settings() -> list[Setting]:
    return [
        Setting("content", env="WORKSHOP_DIR", flag="--content", type=Path, default=None,
                help="workshop folder (holding workshop/content, raneto/content or plain .md files)"),
        Setting("workshop_file", env="WORKSHOP_FILE", flag="--workshop-file", default="workshop.yaml",
                help="the workshop's page selection file beside modules.yaml"),
        Setting("project_namespace", env="PROJECT_NAMESPACE", flag="--project-namespace", default="",
                help="value of the %%project_namespace%% variable in the notes"),
        Setting("cluster_subdomain", env="CLUSTER_SUBDOMAIN", flag="--cluster-subdomain", default="",
                help="value of the %%cluster_subdomain%% variable in the notes"),
        Setting("image_registry", env="OPENSHIFT_IMAGE_REGISTRY", flag="--image-registry", default="",
                help="value of the %%image_registry%% variable in the notes (the cluster's image registry)"),
        Setting("restart_url", env="RESTART_URL", type=restart_link,
                help="where the last page's finish button leads, after asking (%%restart_url%%), when the page "
                     "names no exit link: an http(s):// URL or a /path"),
        Setting("live_reload", type=bool, default=True,
                help="reload an open notes page when its file changes"),
        Setting("setup_scripts", type=bool, default=True,
                help="run the workshop's workshop/setup.d/*.sh once at start, as Educates does (off: for "
                     "a workshop whose scripts need a cluster this run has not, and in tests)"),
        Setting("render_timeout", type=float, default=5.0,
                help="seconds a page may take to render before it is stopped and shows an error"),
        Setting("progress_file", type=Path, default=None,
                help="where each attendee's progress is kept (SQLite; default "
                     "~/.local/share/labdeck/progress.sqlite: the home folder outlives the container)"),
        Setting("require_checks", type=bool, default=False,
                help="every page with checks must pass them before the next page opens (a page's front "
                     "matter require_checks: true|false decides for that page; docs/checks.md)"),
        Setting("help", type=bool, default=False,
                help="offer attendees an \"Ask for help\" button that raises a hand on the instructor's "
                     "room board (docs/instructor.md)"),
    ]


@hookimpl
def register_hookspecs():
    return hookspecs


@hookimpl
def register_routes(deck):
    from .asciidoctor_client import warn_without_node
    from .mount import notes_app

    warn_without_node(deck.settings.notes.content)
    return notes_app(deck)


@hookimpl  # landing-page order: dashboard (tryfirst), notes, terminal (trylast)
def default_page(deck):
    return "notes/" if deck.settings.notes.content else None


@hookimpl(optionalhook=True)  # the dashboard's hook: no error when it is not installed
def dashboard_tabs(deck):
    from labdeck_dashboard import Tab

    from .folders import find_base

    content = deck.settings.notes.content
    tabs = []
    if content and (find_base(Path(content))[0] / "slides" / "index.html").is_file():
        tabs.append(Tab(name="Slides", url="notes/slides/"))
    return tabs + [Tab(name=name, url=url) for name, url in educates_tabs(deck)]


@hookimpl(optionalhook=True)  # the dashboard's hook: an Educates workshop's terminal layout
def dashboard_terminal_layout(deck):
    from .formats.educates import load_definition

    content = deck.settings.notes.content
    definition = load_definition(Path(content)) if content else None
    return definition.terminal_layout if definition else None


def educates_tabs(deck) -> list[tuple[str, str]]:
    """An Educates workshop's spec.session.dashboards (formats/educates.py)."""
    from .formats.educates import dashboard_urls, load_definition, variables

    content = deck.settings.notes.content
    definition = load_definition(Path(content)) if content else None
    if definition is None:
        return []
    own = deck.settings.notes
    values = {**variables(definition), "project_namespace": own.project_namespace or "",
              "cluster_subdomain": own.cluster_subdomain or ""}
    return dashboard_urls(definition, values)


@hookimpl
def register_commands() -> list[Command]:
    from . import new
    from .check_command import configure, run

    return [Command(name="notes", help="workshop notes tools: 'labdeck notes check DIR', 'labdeck notes test DIR'",
                    run=run, configure=configure),
            Command(name="new", help="write a small working workshop: 'labdeck new DIR --format killercoda'",
                    run=new.run, configure=new.configure)]
