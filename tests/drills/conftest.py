"""Fault drills: kill -9 what an attendee's terminal depends on, and check what the attendee
sees in a real Chromium (``chromium`` from labdeck-testing). The terminal tests' helpers are
shared: their folder goes on sys.path, as their own conftest does."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plugins" / "terminal" / "tests"))
