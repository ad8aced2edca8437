"""``labdeck notes check`` and ``labdeck notes test``: their arguments, apart from the code that
runs them: every ``labdeck`` start builds the command line, and the checker and the test runner
import every renderer (Liquid, Pygments' lexers, ...), which a server start does not need
(docs/benchmarks.md, "Start and memory")."""

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
    test = sub.add_parser("test", help="run every page's commands and checks in real terminals; "
                                       "non-zero exit on any failure")
    test.add_argument("directory", type=Path, help="the workshop folder (as given to --content)")
    test.add_argument("--junit", type=Path, metavar="FILE", help="also write the results as JUnit XML")
    test.add_argument("--page", metavar="PAGE", help="test only this page (its id or file)")
    test.add_argument("--from", dest="start", metavar="PAGE", help="start at this page")
    test.add_argument("--timeout", type=float, default=60.0, metavar="S",
                      help="seconds a block may run before it is cut with Ctrl-C and skipped (default 60)")


def run(args: argparse.Namespace) -> int:
    if args.notes_command == "test":
        from .testrun import run as run_test

        return run_test(args)
    from .check import run as run_check

    return run_check(args)
