"""Build hook: put the npm front-end libraries (package-lock.json) into the wheel.

Runs ``npm ci`` when node_modules is missing, then copies the files the page
loads into src/labdeck_terminal/static/vendor/ (gitignored, declared as wheel
artifacts). Without npm, an already filled vendor folder is used as is.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

#: node_modules path -> name under static/vendor/
FILES = {
    "@xterm/xterm/lib/xterm.js": "xterm.js",
    "@xterm/xterm/css/xterm.css": "xterm.css",
    "@xterm/xterm/LICENSE": "LICENSE.xterm",
    "@xterm/addon-fit/lib/addon-fit.js": "addon-fit.js",
    "@xterm/addon-fit/LICENSE": "LICENSE.addon-fit",
    "@xterm/addon-web-links/lib/addon-web-links.js": "addon-web-links.js",
    "@xterm/addon-web-links/LICENSE": "LICENSE.addon-web-links",
}


class VendorBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        modules = root / "node_modules"
        vendor = root / "src" / "labdeck_terminal" / "static" / "vendor"
        have_all = all((vendor / name).is_file() for name in FILES.values())
        if not all((modules / path).is_file() for path in FILES):
            if shutil.which("npm") is None:
                if have_all:
                    return
                raise RuntimeError("labdeck-terminal needs npm to fetch xterm.js (package-lock.json)")
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=root, check=True)
        vendor.mkdir(parents=True, exist_ok=True)
        for path, name in FILES.items():
            shutil.copyfile(modules / path, vendor / name)
