"""Packaging: the build hooks the plugins share by copy, and what their wheels carry.

Each distribution is built alone from its own folder (pip's build, an image's COPY, an sdist),
so hatch_build.py cannot be imported from one place: it is one file copied byte for byte into
each plugin, driven by its pyproject.toml (docs/architecture.md, "What is shared, and why some
files are copied"). These tests keep the copies identical and build each wheel as pip does."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENDORING = sorted(path.parent for path in ROOT.glob("plugins/*/hatch_build.py"))


def hook_config(plugin: Path) -> dict:
    return tomllib.loads((plugin / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"][
        "hooks"]["custom"]


def build_wheel(folder: Path, out: Path) -> zipfile.ZipFile:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--disable-pip-version-check",
                    "--wheel-dir", str(out), str(folder)], check=True, timeout=600)
    [wheel] = out.glob("*.whl")
    return zipfile.ZipFile(wheel)


def test_the_build_hooks_are_one_file_configured_by_each_pyproject():
    assert [plugin.name for plugin in VENDORING] == ["dashboard", "editor", "notes", "terminal"]
    first = (VENDORING[0] / "hatch_build.py").read_bytes()
    for plugin in VENDORING:
        assert (plugin / "hatch_build.py").read_bytes() == first, f"{plugin.name}/hatch_build.py differs"
        config = hook_config(plugin)
        assert config["path"] == "hatch_build.py"
        assert config["vendor-dir"].startswith(f"src/labdeck_{plugin.name}/static/vendor")
        assert config["files"], plugin.name


@pytest.mark.parametrize("plugin", VENDORING, ids=lambda plugin: plugin.name)
def test_each_wheel_carries_its_vendor_files(plugin, tmp_path):
    """Built from a copy of the plugin's folder alone, without a vendor folder from earlier."""
    if not (plugin / "node_modules").is_dir() and shutil.which("npm") is None:
        pytest.skip("needs node_modules or npm")
    folder = tmp_path / plugin.name
    config = hook_config(plugin)
    shutil.copytree(plugin, folder, ignore=lambda directory, names: [
        name for name in names if Path(directory, name) == plugin / config["vendor-dir"] or name == "__pycache__"
        or (Path(directory) == plugin and name in ("build", "dist"))])  # node_modules' own dist/ stay
    assert not (folder / config["vendor-dir"]).exists()
    names = build_wheel(folder, tmp_path / "wheel").namelist()
    vendor = config["vendor-dir"].removeprefix("src/")
    for target in config["files"].values():
        assert any(name == f"{vendor}/{target}" or name.startswith(f"{vendor}/{target}/") for name in names), target


def test_core_wheel_carries_labdeck_js(tmp_path):
    folder = tmp_path / "core"
    shutil.copytree(ROOT / "core", folder, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    assert "labdeck/static/labdeck.js" in build_wheel(folder, tmp_path / "wheel").namelist()
