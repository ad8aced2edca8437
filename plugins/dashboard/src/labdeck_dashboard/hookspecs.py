"""The hook the dashboard calls and other plugins implement (added through ``register_hookspecs``)."""

from __future__ import annotations

from labdeck import hookspec


@hookspec
def dashboard_tabs(deck):
    """Return a list of ``labdeck_dashboard.Tab`` to show in the dashboard's work area.
    Implement with ``@hookimpl(optionalhook=True)`` so that a labdeck without the dashboard
    does not refuse your plugin."""
