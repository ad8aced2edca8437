"""Fixtures of tests/k8s; the helpers are in kube.py (imported by name, as tests/hub's hub_harness)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("kubespawner")
pytest.importorskip("kubernetes_validate")
sys.path.insert(0, str(Path(__file__).parent))
from kube import CONFIG_VARIABLES, HUB_DIR, KUBECONFIG, KUBERNETES


@pytest.fixture
def hub_config(monkeypatch, tmp_path):
    """``hub_config(**env)``: the config as JupyterHub loads it with these variables."""
    from traitlets.config import PyFileConfigLoader

    (tmp_path / "kubeconfig").write_text(KUBECONFIG)
    import kubernetes_asyncio.config.kube_config as kube_config

    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(tmp_path / "kubeconfig"))

    def load(**env: str):
        for name in CONFIG_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in {**KUBERNETES, **env}.items():
            monkeypatch.setenv(name, value)
        return PyFileConfigLoader("jupyterhub_config.py", path=str(HUB_DIR)).load_config()

    return load
