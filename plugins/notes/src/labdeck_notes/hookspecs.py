"""The hook the notes plugin calls and other plugins implement (added through ``register_hookspecs``)."""

from __future__ import annotations

from labdeck import hookspec


@hookspec
def workshop_variables(deck, request):
    """Per request: return a dict of ``%name%`` variables for workshop pages. May return an
    awaitable. Implement with ``@hookimpl(optionalhook=True)`` so that a labdeck without the
    notes plugin does not refuse your plugin."""
