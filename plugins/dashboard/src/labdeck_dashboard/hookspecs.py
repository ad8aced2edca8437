"""The hook the dashboard calls and other plugins implement (added through ``register_hookspecs``)."""

from __future__ import annotations

from labdeck import hookspec


@hookspec
def dashboard_tabs(deck):
    """Return a list of ``labdeck_dashboard.Tab`` to show in the dashboard's work area.
    Implement with ``@hookimpl(optionalhook=True)`` so that a labdeck without the dashboard
    does not refuse your plugin."""


@hookspec(firstresult=True)
def dashboard_terminal_layout(deck):
    """Return the terminal layout the content asks for: ``"default"`` (one terminal), ``"split"``
    (two), ``"split/2"`` (three), ``"lower"`` (one, below the other tabs) or ``"none"`` (no
    Terminal tab), or None to leave it to the
    ``TERMINAL_TAB`` setting. The operator's ``TERMINAL_TAB``, when set, wins. Implement with
    ``@hookimpl(optionalhook=True)``."""
