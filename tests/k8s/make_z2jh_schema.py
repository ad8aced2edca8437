"""Write tests/k8s/z2jh-values-schema.json from the Zero to JupyterHub chart's values schema.

    python tests/k8s/make_z2jh_schema.py CHECKOUT TAG

CHECKOUT is a git clone of https://github.com/jupyterhub/zero-to-jupyterhub-k8s; TAG the chart
release to take ``jupyterhub/values.schema.yaml`` from. The schema is not published on PyPI or
npm (the only registries CI reaches), so its structure is kept here as a test fixture, made by
this script. Kept: types, properties, additionalProperties, items, enums, patterns (what catches
a misspelt or misplaced key). Dropped: the descriptions (prose for the chart's docs) and
``required``: Helm validates the user's values merged with the chart's defaults, and a values
file alone leaves out what the defaults provide.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

OUT = Path(__file__).with_name("z2jh-values-schema.json")
DROPPED = {"description", "required", "examples"}


def strip(node: Any, names: bool = False) -> Any:
    """``node`` without DROPPED keywords (``names``: a ``properties`` map, whose keys are value names)."""
    if isinstance(node, dict):
        return {key: strip(value, key in ("properties", "patternProperties") and not names)
                for key, value in node.items() if names or key not in DROPPED}
    if isinstance(node, list):
        return [strip(item) for item in node]
    return node


def main(checkout: str, tag: str) -> None:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", checkout, *args], check=True, capture_output=True, text=True).stdout

    schema = strip(yaml.safe_load(git("show", f"{tag}:jupyterhub/values.schema.yaml")))
    schema["$comment"] = (f"made by tests/k8s/make_z2jh_schema.py from jupyterhub/values.schema.yaml of "
                          f"https://github.com/jupyterhub/zero-to-jupyterhub-k8s at {tag} "
                          f"({git('rev-list', '-n', '1', tag).strip()}, BSD-3-Clause, Project Jupyter); "
                          "descriptions and 'required' dropped")
    OUT.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
