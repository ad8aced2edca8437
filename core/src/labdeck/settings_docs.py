"""Every setting as Markdown tables, one per group: the source of docs/configuration.md's tables."""

from __future__ import annotations

from collections.abc import Sequence

from .settings import Setting


def _default(spec: Setting) -> str:
    if spec.secret or spec.default in (None, "", ()):
        return ""
    value = ",".join(map(str, spec.default)) if isinstance(spec.default, (tuple, list)) else str(spec.default)
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def settings_markdown(specs: Sequence[Setting]) -> str:
    """``### <group>`` and a table of flag, environment variables, default and help per group."""
    groups: dict[str, list[Setting]] = {}
    for spec in specs:
        groups.setdefault(spec.group, []).append(spec)
    out = []
    for group, members in groups.items():
        out += [f"### `{group}`", "", "| flag | environment | default | what |", "| --- | --- | --- | --- |"]
        for spec in members:
            envs = ", ".join(f"`{env}`" for env in spec.env_names)
            secret = " (secret: never shown or passed on)" if spec.secret else ""
            out.append(f"| `{spec.flag_name}` | {envs} | {_default(spec)} | {_cell(spec.help)}{secret} |")
        out.append("")
    return "\n".join(out)
