"""``labdeck notes check``'s arguments, apart from the checker: every ``labdeck`` start builds the
command line, and the checker imports every renderer (Liquid, Pygments' lexers, ...), which a
server start does not need (docs/benchmarks.md, "Start and memory")."""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="notes_command", required=True, metavar="ACTION")
    check = sub.add_parser("check", help="report broken links, images, variables and markup in a workshop")
    check.add_argument("directory", type=Path, help="the workshop folder (as given to --content)")
    check.add_argument("--strict", action="store_true", help="warnings make the exit status non-zero too")
    check.add_argument("--var", action="append", default=[], metavar="NAME",
                       help="a variable name provided elsewhere (e.g. by a plugin); may be repeated")


def run(args: argparse.Namespace) -> int:
    from .check import run as run_check

    return run_check(args)
