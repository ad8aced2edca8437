"""Find plugins (entry-point group ``labdeck``), load the chosen ones, and call hooks
with errors that name the plugin."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

import pluggy

from . import hookspecs
from .settings import parse_bool

ENTRY_POINT_GROUP = "labdeck"


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


def make_plugin_manager(
    *,
    only: Iterable[str] | None = None,
    disable: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
    extra: Mapping[str, ModuleType | object] | None = None,
    discover: bool = True,
) -> pluggy.PluginManager:
    """A fresh manager with the enabled entry-point plugins and ``extra`` (name -> plugin)."""
    import os

    environ = os.environ if environ is None else environ
    only = None if only is None else set(only)
    pm = pluggy.PluginManager("labdeck")
    pm.add_hookspecs(hookspecs)
    pm._labdeck_dists = {}  # type: ignore[attr-defined]
    if discover:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if pm.get_plugin(ep.name) is not None or not plugin_enabled(ep.name, only, disable, environ):
                continue
            try:
                plugin = ep.load()
            except Exception as error:
                raise PluginError(f"plugin {ep.name!r} ({ep.value}) failed to import: {error}") from error
            pm.register(plugin, name=ep.name)
            dist = ep.dist
            pm._labdeck_dists[ep.name] = (dist.name, dist.version) if dist else ("?", "?")  # type: ignore[attr-defined]
    for name, plugin in (extra or {}).items():
        if plugin_enabled(name, only, disable, environ):
            pm.register(plugin, name=name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as error:
        raise PluginError(f"plugin {pm.get_name(error.plugin)!r}: {error}") from error
    return pm


def plugin_infos(pm: pluggy.PluginManager) -> list[PluginInfo]:
    dists = getattr(pm, "_labdeck_dists", {})
    infos = []
    for name, plugin in sorted(pm.list_name_plugin()):
        hooks = tuple(sorted(h.name for h in pm.get_hookcallers(plugin) or ()))
        dist, version = dists.get(name, (getattr(plugin, "__name__", name), "-"))
        infos.append(PluginInfo(name, dist, version, hooks))
    return infos


def collect(
    pm: pluggy.PluginManager, hook: str, expected: type | tuple[type, ...], **kwargs: Any
) -> list[tuple[str, Any]]:
    """Call ``hook`` on each plugin in registration order; return ``(plugin, item)``
    for every item of every returned list, checking each is an ``expected``."""
    results: list[tuple[str, Any]] = []
    for impl in reversed(getattr(pm.hook, hook).get_hookimpls()):
        name = impl.plugin_name
        value = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
        if value is None:
            continue
        if inspect.isawaitable(value):
            raise PluginError(f"plugin {name!r}: {hook} must not be async")
        if not isinstance(value, (list, tuple)):
            raise PluginError(f"plugin {name!r}: {hook} returned {type(value).__name__}, expected a list")
        for item in value:
            if not isinstance(item, expected):
                names = expected.__name__ if isinstance(expected, type) else " or ".join(t.__name__ for t in expected)
                raise PluginError(f"plugin {name!r}: {hook} returned {item!r}, expected {names}")
            results.append((name, item))
    return results


async def call_async(value: Any) -> Any:
    """Await ``value`` if a per-request hook returned an awaitable."""
    return await value if inspect.isawaitable(value) else value
