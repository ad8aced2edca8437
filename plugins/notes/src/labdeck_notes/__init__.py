"""labdeck-notes: the workshop notes under ``<prefix>notes/``.

Every way this plugin plugs into labdeck is on this screen.
"""

from __future__ import annotations

from pathlib import Path

from labdeck import Command, Setting, Tab, hookimpl

__version__ = "0.1.0"


@hookimpl
def register_settings() -> list[Setting]:
    return [
        Setting("content", env="WORKSHOP_DIR", type=Path, default=None,
                help="workshop folder (holding workshop/content, raneto/content or plain .md files)"),
        Setting("project_namespace", env="PROJECT_NAMESPACE", default="",
                help="value of the %%project_namespace%% variable in the notes"),
        Setting("cluster_subdomain", env="CLUSTER_SUBDOMAIN", default="",
                help="value of the %%cluster_subdomain%% variable in the notes"),
        Setting("notes_live_reload", type=bool, default=True,
                help="reload an open notes page when its file changes"),
    ]


@hookimpl
def register_routes(settings):
    from .site import Site
    from .views import Views

    return Views(Site(settings.content), live_reload=settings.notes_live_reload).routes()


@hookimpl(trylast=True)  # the dashboard, when installed, is the better start page
def default_page(settings):
    return "notes/" if settings.content else None


@hookimpl
def dashboard_tabs(settings) -> list[Tab]:
    from .workshop import find_base

    if settings.content and (find_base(Path(settings.content))[0] / "slides" / "index.html").is_file():
        return [Tab(name="Slides", url="notes/slides/")]
    return []


@hookimpl
def register_commands() -> list[Command]:
    from .check import configure, run

    return [Command(name="notes", help="workshop notes tools: 'labdeck notes check DIR'", run=run,
                    configure=configure)]
