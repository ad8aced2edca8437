"""Rewrite the settings tables of docs/configuration.md from the code.

    .venv/bin/python docs/gen_settings.py          # rewrite the section
    .venv/bin/python docs/gen_settings.py --check  # exit 1 when it is out of date

The tables are the output of ``labdeck settings --markdown`` (core and every installed
plugin, the test-only ``example`` plugin left out), between the markers
``<!-- settings:begin -->`` and ``<!-- settings:end -->``. Run it with the Python of a
virtualenv that has core and every ``plugins/*`` package installed (``make venv``);
core/tests/test_docs.py fails when the section differs from what this would write.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CONFIGURATION = Path(__file__).resolve().parent / "configuration.md"
BEGIN = "<!-- settings:begin -->"
END = "<!-- settings:end -->"
#: plugins that are installed for tests but are not part of labdeck's documentation
LEFT_OUT = "example"


def generate(python: str = sys.executable) -> str:
    """``labdeck settings --markdown`` of the installed plugins, whatever this environment selects."""
    env = {key: value for key, value in os.environ.items()
           if key != "LABDECK_PLUGINS" and not key.startswith("ENABLE_")}
    env["LABDECK_DISABLE"] = LEFT_OUT
    done = subprocess.run([python, "-m", "labdeck", "settings", "--markdown"], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"labdeck settings --markdown failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def split(text: str) -> tuple[str, str, str]:
    """(before the begin marker line, the section between the markers, from the end marker on)."""
    start = text.index(BEGIN) + len(BEGIN) + 1
    end = text.index(END, start)
    return text[:start], text[start:end], text[end:]


def section(text: str | None = None) -> str:
    """The settings section of docs/configuration.md as it is now."""
    return split(CONFIGURATION.read_text() if text is None else text)[1]


def wrap(tables: str) -> str:
    """The section as written between the markers: the tables with a blank line either side."""
    return "\n" + tables.strip("\n") + "\n\n"


def main(argv: list[str]) -> int:
    text = CONFIGURATION.read_text()
    before, current, after = split(text)
    wanted = wrap(generate())
    if "--check" in argv:
        if current != wanted:
            print(f"{CONFIGURATION} is out of date: run {Path(sys.argv[0]).as_posix()}", file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        CONFIGURATION.write_text(before + wanted + after)
        print(f"rewrote the settings tables of {CONFIGURATION}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
