"""The code behind the notes' routes: the views and the rest, made from the settings.

Imported with the first request under ``notes/`` or soon after the start (mount.py), with the
modules it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp.typedefs import Handler

from labdeck import Deck

from .check_runner import CheckRunner
from .events import PageEvents
from .help import Help
from .killercoda_steps import StepScripts
from .progress_api import handlers
from .site import Site
from .views import Views


class NotesParts:
    """Each part of the notes app, and its handlers by their name in mount.py's route table."""

    def __init__(self, deck: Deck):
        own = deck.settings.notes
        views = Views(Site(own.content, workshop_file=own.workshop_file), live_reload=own.live_reload,
                      hidden_env=deck.settings.secrets(), render_timeout=own.render_timeout)
        steps = StepScripts(views, deck)  # a Killercoda step's background / foreground scripts
        checks = CheckRunner(views, deck)  # a page's checks (check_runner.py)
        help = Help(views, own.help)  # ask for help, the instructor's broadcast (help.py)
        events = PageEvents(views, help)  # a page's one event stream: live reload and help (events.py)
        self.views = views
        #: the parts' lives (threads, processes) while the notes app runs: aiohttp cleanup contexts
        self.lifecycles: tuple[Callable[[Any], Any], ...] = (views.lifecycle, steps.lifecycle, checks.lifecycle)
        self.handlers: dict[str, Handler] = {
            "home": views.home, "pygments_css": views.pygments_css, "overview": views.overview,
            "slides_slash": views.slides_slash, "slides": views.slides, "page_or_file": views.page_or_file,
            **handlers(views), "run_checks": checks.run_route, "killercoda_start": steps.start,
            "help_state": help.state, "raise_hand": help.hand, "broadcast": help.broadcast, "events": events.events,
        }
