"""labdeck-notes: the workshop notes under ``<prefix>notes/``.

Every way this plugin plugs into labdeck is on this screen.
"""

from __future__ import annotations

from pathlib import Path

from labdeck import Command, Setting, hookimpl

from . import hookspecs

__version__ = "0.1.0"


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
        Setting("restart_url", env="RESTART_URL",
                help="where the last page's finish button leads (%%restart_url%%) when the page names no exit link"),
        Setting("live_reload", type=bool, default=True,
                help="reload an open notes page when its file changes"),
        Setting("render_timeout", type=float, default=5.0,
                help="seconds a page may take to render before it is stopped and shows an error"),
    ]


@hookimpl
def register_hookspecs():
    return hookspecs


@hookimpl
def register_routes(deck):
    from .asciidoctor_client import warn_without_node
    from .site import Site
    from .views import Views

    own = deck.settings.notes
    warn_without_node(own.content)
    site = Site(own.content, workshop_file=own.workshop_file)
    return Views(site, live_reload=own.live_reload, hidden_env=deck.settings.secrets(),
                 render_timeout=own.render_timeout).app()


@hookimpl  # landing-page order: dashboard (tryfirst), notes, terminal (trylast)
def default_page(deck):
    return "notes/" if deck.settings.notes.content else None


@hookimpl(optionalhook=True)  # the dashboard's hook: no error when it is not installed
def dashboard_tabs(deck):
    from labdeck_dashboard import Tab

    from .workshop import find_base

    content = deck.settings.notes.content
    if content and (find_base(Path(content))[0] / "slides" / "index.html").is_file():
        return [Tab(name="Slides", url="notes/slides/")]
    return []


@hookimpl
def register_commands() -> list[Command]:
    from .check import configure, run

    return [Command(name="notes", help="workshop notes tools: 'labdeck notes check DIR'", run=run,
                    configure=configure)]
