"""Build hook: put the npm front-end libraries (package-lock.json) into the wheel.

One file, byte-identical in every plugin that vendors npm packages (tests/test_packaging.py
checks it): each plugin is built on its own, from its own folder, so a hook cannot import
a shared one (docs/architecture.md, "What is shared, and why some files are copied").
What differs is configuration, the hook's table in pyproject.toml::

    [tool.hatch.build.targets.wheel.hooks.custom]
    path = "hatch_build.py"
    vendor-dir = "src/labdeck_x/static/vendor"      # gitignored; declared as wheel artifacts
    [tool.hatch.build.targets.wheel.hooks.custom.files]
    "some-package/dist/lib.js" = "lib.js"         # node_modules path -> path under vendor-dir
    "some-package/css" = "css"                    # a folder is copied whole
    [tool.hatch.build.targets.wheel.hooks.custom.bundles]
    "frontend/entry.js" = "bundle.js"             # optional: esbuild (a devDependency) bundles an
                                                  # entry of the plugin's own into one script

Runs ``npm ci`` when node_modules lacks a file or is older than package-lock.json, then
copies and bundles. Without npm, an already filled vendor folder is used as is.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class VendorBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        modules = root / "node_modules"
        vendor = root / self.config["vendor-dir"]
        files: dict[str, str] = self.config["files"]
        bundles: dict[str, str] = self.config.get("bundles", {})
        if not _installed(root, files):
            npm = shutil.which("npm")
            if npm is None:
                if all((vendor / name).exists() for name in [*files.values(), *bundles.values()]):
                    return  # copied by an earlier build, and no npm to refresh it
                raise RuntimeError(f"{self.metadata.name} needs npm (Node.js) to fetch its front-end libraries "
                                   "(package-lock.json)")
            subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                           cwd=root, check=True)
        for path, name in files.items():
            source, target = modules / path, vendor / name
            if target.is_dir():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copyfile(source, target)
        for entry, name in bundles.items():
            subprocess.run([str(modules / ".bin" / "esbuild"), entry, "--bundle", "--minify", "--format=iife",
                            "--legal-comments=eof", "--log-level=warning", f"--outfile={vendor / name}"],
                           cwd=root, check=True)


def _installed(root: Path, files: dict[str, str]) -> bool:
    """node_modules holds what package-lock.json pins (npm writes its own copy on install)."""
    lock, installed = root / "package-lock.json", root / "node_modules" / ".package-lock.json"
    if not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime:
        return False
    return all((root / "node_modules" / path).exists() for path in files)
