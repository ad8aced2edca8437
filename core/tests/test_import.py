"""What importing labdeck leaves behind in a process (labdeck/__init__.py)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_labdeck_leaves_cyclic_garbage_collected():
    """The collector is paused while labdeck's stack is imported, for a faster start; afterwards a
    process that imported labdeck frees its reference cycles again, without calling gc itself."""
    code = """
import weakref
import labdeck

class Node:
    pass

refs = []
for _ in range(20000):
    node = Node()
    node.me = node
    refs.append(weakref.ref(node))
del node
assert sum(ref() is not None for ref in refs) < 5000, "reference cycles are no longer collected"
"""
    subprocess.run([sys.executable, "-c", code], check=True)
