"""Build hook: put reveal.js (from package-lock.json) into the wheel.

Workshop slides written for the original images load reveal.js from their own folder
(``css/reveal.css``, ``js/reveal.js``, ``lib/js/head.min.js``, ``plugin/...``), which
those images provided. Runs ``npm ci`` when node_modules is missing, then copies those
folders into src/labdeck_notes/static/vendor/reveal.js/ (gitignored, declared as wheel
artifacts). Without npm, an already filled vendor folder is used as is.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

FOLDERS = ("css", "js", "lib", "plugin")
FILES = ("LICENSE",)


class VendorBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        source = root / "node_modules" / "reveal.js"
        vendor = root / "src" / "labdeck_notes" / "static" / "vendor" / "reveal.js"
        if not (source / "js" / "reveal.js").is_file():
            if shutil.which("npm") is None:
                if (vendor / "js" / "reveal.js").is_file():
                    return
                raise RuntimeError("labdeck-notes needs npm to fetch reveal.js (package-lock.json)")
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=root, check=True)
        if vendor.exists():
            shutil.rmtree(vendor)
        for folder in FOLDERS:
            shutil.copytree(source / folder, vendor / folder)
        for name in FILES:
            shutil.copyfile(source / name, vendor / name)
