"""Environment variables and CLI flags -> one frozen ``Settings``.

Core and every plugin describe what they read with ``Setting``; a flag beats
its environment variable, which beats the default. A bad value stops the
start with a ``SettingsError`` naming the flag and the variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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
    """One option: ``name`` is the attribute on ``Settings``.

    ``env`` is one variable name or several (the first that is set wins);
    it defaults to ``LABDECK_<NAME>``. ``type`` parses the text (``bool`` and
    ``list`` are understood). ``secret`` values are never shown.
    """

    name: str
    env: str | Sequence[str] | None = None
    type: Callable[[str], Any] = str
    default: Any = None
    help: str = ""
    choices: Sequence[str] | None = None
    flag: str | None = None
    secret: bool = False

    @property
    def env_names(self) -> tuple[str, ...]:
        if self.env is None:
            return (f"LABDECK_{self.name.upper()}",)
        if isinstance(self.env, str):
            return (self.env,)
        return tuple(self.env)

    @property
    def flag_name(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

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
            raise SettingsError(
                f"{self.describe()}: {text!r} is not one of {', '.join(self.choices)}"
            )
        return value


class Settings:
    """Frozen, attribute-style access to every setting's value."""

    __slots__ = ("_specs", "_values")

    def __init__(self, values: Mapping[str, Any], specs: Mapping[str, Setting] | None = None):
        object.__setattr__(self, "_values", dict(values))
        object.__setattr__(self, "_specs", dict(specs or {}))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no setting named {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Settings are frozen; use settings.replace(...)")

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def replace(self, **changes: Any) -> Settings:
        return Settings({**self._values, **changes}, self._specs)

    def as_dict(self, *, reveal: bool = False) -> dict[str, Any]:
        return {
            name: "***" if not reveal and spec_secret(self._specs.get(name)) and value else value
            for name, value in self._values.items()
        }

    def __repr__(self) -> str:
        return f"Settings({self.as_dict()!r})"


def spec_secret(spec: Setting | None) -> bool:
    return bool(spec and spec.secret)


def check_unique(specs: Iterable[tuple[str, Setting]]) -> dict[str, Setting]:
    """``(owner, Setting)`` pairs -> name -> Setting; a name or flag claimed twice is an error."""
    by_name: dict[str, Setting] = {}
    owners: dict[str, str] = {}
    flags: dict[str, str] = {}
    for owner, spec in specs:
        if not isinstance(spec, Setting):
            raise SettingsError(f"plugin {owner!r}: register_settings returned {spec!r}, not a labdeck.Setting")
        for key, seen in ((spec.name, owners), (spec.flag_name, flags)):
            if key in seen:
                raise SettingsError(f"setting {key!r} is declared by both {seen[key]!r} and {owner!r}")
            seen[key] = owner
        by_name[spec.name] = spec
    return by_name


def load_settings(
    specs: Mapping[str, Setting],
    flags: Mapping[str, str | None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve every spec from ``flags`` (raw text by setting name), then ``environ``, then default."""
    environ = os.environ if environ is None else environ
    flags = flags or {}
    values: dict[str, Any] = {}
    for name, spec in specs.items():
        raw = flags.get(name)
        if raw is None:
            raw = next((environ[env] for env in spec.env_names if environ.get(env) not in (None, "")), None)
        values[name] = spec.default if raw is None else spec.parse(raw)
    return Settings(values, specs)
