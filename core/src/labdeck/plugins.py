"""Find plugins (entry points ``labdeck``, discovery.py) and core's built-in ones, load them, call hooks
with errors that name the plugin."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pluggy

from . import hookspecs
from .discovery import distribution_of, entry_points
from .settings import parse_bool

ENTRY_POINT_GROUP = "labdeck"
#: name -> module path of core's own plugins, registered before any entry point
BUILTIN_PLUGINS = {"auth": "labdeck.auth.builtin"}


class PluginError(RuntimeError):
    """A plugin broke the contract; the message names it."""


@dataclass(frozen=True)
class PluginInfo:
    name: str
    distribution: str
    version: str
    hooks: tuple[str, ...]


def plugin_enabled(name: str, only: Iterable[str] | None, disable: Iterable[str], environ: Mapping[str, str]) -> bool:
    """``LABDECK_PLUGINS`` allow-list, ``LABDECK_DISABLE`` / ``ENABLE_<NAME>=false`` deny."""
    if only is not None and name not in only:
        return False
    if name in disable:
        return False
    flag = environ.get(f"ENABLE_{name.upper().replace('-', '_')}")
    return flag is None or flag == "" or parse_bool(flag)


def make_plugin_manager(*, only: Iterable[str] | None = None, disable: Iterable[str] = (),
                        environ: Mapping[str, str] | None = None, extra: Mapping[str, object] | None = None,
                        discover: bool = True) -> pluggy.PluginManager:
    """A fresh manager with core's built-ins, the enabled entry-point plugins and ``extra``
    (name -> plugin); every plugin's own hookspecs added, every hookimpl checked."""
    import importlib
    import os

    environ = os.environ if environ is None else environ
    only = None if only is None else set(only)
    pm = pluggy.PluginManager("labdeck")
    pm.add_hookspecs(hookspecs)
    dists: dict[str, Any] = {}  # name -> (distribution, version), or its metadata folder (read when listed)
    for name, module in BUILTIN_PLUGINS.items():
        pm.register(importlib.import_module(module), name=name)
        dists[name] = ("labdeck (built in)", "-")
    if discover:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if pm.get_plugin(ep.name) is not None or not plugin_enabled(ep.name, only, disable, environ):
                continue
            try:
                plugin = ep.load()
            except Exception as error:
                raise PluginError(f"plugin {ep.name!r} ({ep.value}) failed to import: {error}") from error
            _register(pm, plugin, ep.name)
            dists[ep.name] = ep.metadata
    for name, plugin in (extra or {}).items():
        if plugin_enabled(name, only, disable, environ):
            _register(pm, plugin, name)
    for specs in pm.hook.register_hookspecs():
        pm.add_hookspecs(specs)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as error:
        raise PluginError(f"plugin {pm.get_name(error.plugin)!r}: {error}") from error
    pm._labdeck_dists = dists  # type: ignore[attr-defined]
    return pm


def _register(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    try:
        pm.register(plugin, name=name)
    except (ValueError, pluggy.PluginValidationError) as error:
        raise PluginError(f"plugin {name!r}: {error}") from error


def plugin_infos(pm: pluggy.PluginManager) -> list[PluginInfo]:
    dists = getattr(pm, "_labdeck_dists", {})
    infos = []
    for name, plugin in sorted(pm.list_name_plugin()):
        hooks = tuple(sorted(h.name for h in pm.get_hookcallers(plugin) or ()))
        dist = dists.get(name, (getattr(plugin, "__name__", name), "-"))
        dist, version = distribution_of(dist) if isinstance(dist, Path) else dist
        infos.append(PluginInfo(name, dist, version, hooks))
    return infos


def collect(pm: pluggy.PluginManager, hook: str, expected: type | tuple[type, ...],
            **kwargs: Any) -> list[tuple[str, Any]]:
    """Call ``hook`` through pluggy on each plugin in call order; return ``(plugin, item)``
    for every item of every returned list, checking each is an ``expected``."""
    return [(name, item) for name, value in call_each(pm, hook, **kwargs)
            for item in _items(name, hook, value, expected)]


def call_each(pm: pluggy.PluginManager, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """``(plugin, result)`` of each implementation of ``hook`` (not None), in pluggy's call order,
    each call through a pluggy hook caller (tracing and monitoring see it)."""
    impls = getattr(pm.hook, hook).get_hookimpls()
    results = []
    for impl in reversed(impls):
        others = [other.plugin for other in impls if other is not impl]
        for value in pm.subset_hook_caller(hook, others)(**kwargs):
            if inspect.isawaitable(value):
                raise PluginError(f"plugin {impl.plugin_name!r}: {hook} must not be async")
            results.append((impl.plugin_name, value))
    return results


def _items(name: str, hook: str, value: Any, expected: type | tuple[type, ...]) -> list[Any]:
    if not isinstance(value, (list, tuple)):
        raise PluginError(f"plugin {name!r}: {hook} returned {type(value).__name__}, expected a list")
    for item in value:
        if not isinstance(item, expected):
            names = expected.__name__ if isinstance(expected, type) else " or ".join(t.__name__ for t in expected)
            raise PluginError(f"plugin {name!r}: {hook} returned {item!r}, expected {names}")
    return list(value)


async def call_async(value: Any) -> Any:
    """Await ``value`` if a per-request hook returned an awaitable."""
    return await value if inspect.isawaitable(value) else value
