"""Environment variables and CLI flags -> frozen settings, one group per owner (core's is
``core``): a flag beats its variable, which beats the default; building them starts nothing."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

CORE = "core"


class SettingsError(ValueError):
    """A setting has a value labdeck cannot use."""


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{text!r} is not true or false")


def parse_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


_TYPE_NAMES = {str: "text", int: "integer", float: "number", parse_bool: "true/false",
               parse_list: "comma-separated list", Path: "path"}


@dataclass(frozen=True)
class Setting:
    """One option of one owner, read as ``settings.<group>.<name>``; ``env`` and ``flag`` default
    from them (``LABDECK_<GROUP>_<NAME>``, ``--<group>-<name>``); docs/plugins.md says the rest."""

    name: str
    env: str | Sequence[str] | None = None
    type: Callable[[str], Any] = str
    default: Any = None
    help: str = ""
    choices: Sequence[str] | None = None
    flag: str | None = None
    secret: bool = False
    group: str = CORE

    @property
    def key(self) -> str:
        """``group.name``: unique across every owner."""
        return f"{self.group}.{self.name}"

    @property
    def env_names(self) -> tuple[str, ...]:
        if self.env is None:
            stem = self.name if self.group == CORE else f"{self.group}_{self.name}"
            return (f"LABDECK_{stem.upper().replace('-', '_')}",)
        if isinstance(self.env, str):
            return (self.env,)
        return tuple(self.env)

    @property
    def flag_name(self) -> str:
        if self.flag:
            return self.flag
        stem = self.name if self.group == CORE else f"{self.group}_{self.name}"
        return "--" + stem.replace("_", "-")

    @property
    def parser(self) -> Callable[[str], Any]:
        return {bool: parse_bool, list: parse_list, tuple: parse_list}.get(self.type, self.type)

    def describe(self) -> str:
        return f"{self.flag_name} / {self.env_names[0]}"

    def parse(self, text: str) -> Any:
        try:
            value = self.parser(text)
        except (ValueError, TypeError) as error:
            kind = _TYPE_NAMES.get(self.parser, getattr(self.parser, "__name__", "value"))
            if self.secret:
                raise SettingsError(f"{self.describe()}: the (hidden) value is not a valid {kind}") from None
            raise SettingsError(f"{self.describe()}: {text!r} is not a valid {kind}: {error}") from None
        if self.choices is not None and value not in self.choices:
            raise SettingsError(f"{self.describe()}: {text!r} is not one of {', '.join(self.choices)}")
        return value


class SettingsGroup:
    """One owner's settings: frozen, attribute-style access."""

    __slots__ = ("_name", "_values")

    def __init__(self, name: str, values: Mapping[str, Any]):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"settings group {self._name!r} has no setting {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("settings are frozen; use Settings.replace(...)")

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def __repr__(self) -> str:
        return f"SettingsGroup({self._name!r}, {sorted(self._values)})"


class Settings:
    """Every owner's group: ``settings.core.prefix``; ``has(group)`` before reading a plugin's."""

    __slots__ = ("_groups", "_specs")

    def __init__(self, values: Mapping[str, Mapping[str, Any]], specs: Iterable[Setting] = ()):
        object.__setattr__(self, "_groups", {name: SettingsGroup(name, group) for name, group in values.items()})
        object.__setattr__(self, "_specs", {spec.key: spec for spec in specs})

    def __getattr__(self, group: str) -> SettingsGroup:
        try:
            return self._groups[group]
        except KeyError:
            raise AttributeError(f"no settings group {group!r} (is that plugin installed?)") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("settings are frozen; use settings.replace(...)")

    def has(self, group: str) -> bool:
        return group in self._groups

    @property
    def specs(self) -> list[Setting]:
        return list(self._specs.values())

    def replace(self, group: str = CORE, **changes: Any) -> Settings:
        """A copy with ``changes`` in ``group`` (a new group is made if needed)."""
        values = {name: dict(g._values) for name, g in self._groups.items()}
        values.setdefault(group, {}).update(changes)
        return Settings(values, self._specs.values())

    def secrets(self) -> dict[str, str]:
        """Every set secret: environment variable name -> value (for scrubbing and redaction)."""
        found: dict[str, str] = {}
        for spec in self._specs.values():
            value = self._groups[spec.group].get(spec.name) if spec.group in self._groups else None
            if spec.secret and value:
                for env in spec.env_names:
                    found[env] = str(value)
        return found

    def __repr__(self) -> str:
        """Every value, secrets as ``***``: safe to log."""
        shown = {name: {key: "***" if self._secret(name, key) and group.get(key) else group.get(key) for key in group}
                 for name, group in self._groups.items()}
        return f"Settings({shown!r})"

    def _secret(self, group: str, name: str) -> bool:
        spec = self._specs.get(f"{group}.{name}")
        return spec is not None and spec.secret


def declare(owner: str, specs: Iterable[Any]) -> list[Setting]:
    """An owner's ``Setting`` list with the group filled in; anything else is an error."""
    bound = []
    for spec in specs:
        if not isinstance(spec, Setting):
            raise SettingsError(f"plugin {owner!r}: register_settings returned {spec!r}, not a labdeck.Setting")
        bound.append(replace(spec, group=owner))
    return bound


def check_unique(specs: Iterable[Setting]) -> list[Setting]:
    """A setting key or flag claimed twice is an error (two owners may read one variable)."""
    seen: dict[str, str] = {}
    result = []
    for spec in specs:
        for claim in (spec.key, spec.flag_name):
            if claim in seen:
                raise SettingsError(f"setting {claim!r} is declared by both {seen[claim]!r} and {spec.group!r}")
            seen[claim] = spec.group
        result.append(spec)
    return result


def load_settings(specs: Iterable[Setting], flags: Mapping[str, str | None] | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Resolve every spec from ``flags`` (raw text by ``spec.key``), then ``environ``, then default."""
    environ = os.environ if environ is None else environ
    flags = flags or {}
    specs = list(specs)
    values: dict[str, dict[str, Any]] = {CORE: {}}
    for spec in specs:
        raw = flags.get(spec.key)
        if raw is None:
            raw = next((environ[env] for env in spec.env_names if environ.get(env) not in (None, "")), None)
        values.setdefault(spec.group, {})[spec.name] = spec.default if raw is None else spec.parse(raw)
    return Settings(values, specs)
