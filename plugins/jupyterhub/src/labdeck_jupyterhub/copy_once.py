"""``labdeck copy-once SRC DEST``: seed a persistent volume from the image, once.

A hub's init container runs it with the image's ``/opt/app-root`` as SRC and
the attendee's empty volume as DEST; the main container then mounts the volume
over ``/opt/app-root``. The first run copies everything (modes, times and
symlinks kept) and then writes a marker file; every later run sees the marker
and copies nothing, so what the attendee changed survives restarts. A copy cut
short leaves no marker and is simply done again on the next start.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

MARKER = ".labdeck-copied"


def copy_once(source: Path, dest: Path) -> bool:
    """Copy ``source``'s contents into ``dest`` unless done before; True when it copied."""
    if not source.is_dir():
        raise FileNotFoundError(f"{source} is not a folder")
    marker = dest / MARKER
    if marker.exists():
        return False
    dest.mkdir(parents=True, exist_ok=True)
    for entry in sorted(source.iterdir()):
        if entry.name in (MARKER, "lost+found"):
            continue
        target = dest / entry.name
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, target, symlinks=True, dirs_exist_ok=True)
        else:
            if target.is_symlink() or target.is_file():
                target.unlink()
            shutil.copy2(entry, target, follow_symlinks=False)
    marker.write_text(f"copied from {source} at {datetime.now(UTC).isoformat(timespec='seconds')}\n")
    return True


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, metavar="SRC", help="folder to copy from (e.g. /opt/app-root)")
    parser.add_argument("dest", type=Path, metavar="DEST", help="volume to fill (its first time only)")


def main(args: argparse.Namespace) -> int:
    try:
        copied = copy_once(args.source, args.dest)
    except OSError as error:
        print(f"labdeck copy-once: {error}", file=sys.stderr)
        return 1
    if copied:
        print(f"labdeck copy-once: copied {args.source} into {args.dest}")
    else:
        print(f"labdeck copy-once: {args.dest} was filled before ({MARKER} is there); nothing copied")
    return 0
