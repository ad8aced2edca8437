"""Build hook: put the npm front-end libraries into the wheel.

``npm ci`` installs exactly what package-lock.json pins, then the files the
dashboard loads (and their licences) are copied to static/vendor/, which is
gitignored and declared as wheel ``artifacts``. No third-party code is
committed; a plain ``pip install ./plugins/dashboard`` still yields a complete
wheel.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

#: node_modules path -> path under static/vendor/
VENDOR_FILES = {
    "split.js/dist/split.min.js": "split.js/split.min.js",
    "split.js/LICENSE.txt": "split.js/LICENSE.txt",
}


class VendorBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        modules = root / "node_modules"
        vendor = root / "src" / "labdeck_dashboard" / "static" / "vendor"
        if not _installed(root):
            npm = shutil.which("npm")
            if npm is None:
                if all((vendor / dst).is_file() for dst in VENDOR_FILES.values()):
                    return  # already copied by an earlier build, and no npm to refresh it
                raise RuntimeError("labdeck-dashboard needs npm (Node.js) to fetch its front-end libraries")
            subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=root, check=True)
        for src, dst in VENDOR_FILES.items():
            target = vendor / dst
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(modules / src, target)


def _installed(root: Path) -> bool:
    """node_modules holds what package-lock.json pins (npm writes its own copy on install)."""
    lock, installed = root / "package-lock.json", root / "node_modules" / ".package-lock.json"
    if not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime:
        return False
    return all((root / "node_modules" / src).is_file() for src in VENDOR_FILES)
