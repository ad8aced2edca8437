"""The ``labdeck`` command's entry (``labdeck`` and ``python -m labdeck``).

A start allocates some 50,000 objects (aiohttp, the plugins, the app) that live as long as the
process, and the garbage collector walked them again and again while they were made: about 20 ms
of a 0.27 s start (docs/benchmarks.md). So collections wait until labdeck is up: ``serve``
collects once, freezes what the start made and turns them back on (server.py); any other
command turns them back on before it runs. This module imports nothing heavy before that.
"""

from __future__ import annotations

import gc
import sys


def main() -> int:
    gc.disable()
    try:
        from .cli import main as run

        return run()
    finally:
        gc.enable()


if __name__ == "__main__":
    sys.exit(main())
