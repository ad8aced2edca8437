"""``labdeck new DIR --format homeroom|educates|killercoda``: a small working workshop to start from.

Each format's files are below as text: a title, a first page with a command to click, a
last page. Every one passes ``labdeck notes check`` and serves with ``labdeck serve --content DIR``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

HOMEROOM = {
    "workshop/modules.yaml": """\
modules:
    workshop-overview:
        name: Workshop Overview
        exit_sign: Start Workshop
    exercises/01-first-commands:
        name: First Commands
    workshop-summary:
        name: Workshop Summary
        exit_sign: Finish Workshop
""",
    "workshop/workshop.yaml": """\
name: My Workshop

modules:
    activate:
    - workshop-overview
    - exercises/01-first-commands
    - workshop-summary
""",
    "workshop/content/workshop-overview.md": """\
Welcome, %username%. The notes are on the left; the terminals are on the right.

Click a grey block with a triangle to run it in a terminal.
""",
    "workshop/content/exercises/01-first-commands.md": """\
Run this in the first terminal:

```execute
echo "Hello from the notes"; date
```

And this in the second one:

```execute-2
uname -a
```

A block to copy:

```copy
export EDITOR=nano
```
""",
    "workshop/content/workshop-summary.md": """\
That is all. Change the pages in `workshop/content/`, the order in `workshop/workshop.yaml`.
""",
}

EDUCATES = {
    "resources/workshop.yaml": """\
apiVersion: training.educates.dev/v1beta1
kind: Workshop
metadata:
  name: my-workshop
spec:
  title: My Workshop
  description: A small workshop to start from
  session:
    applications:
      terminal:
        enabled: true
        layout: split
""",
    "workshop/content/00-workshop-overview.md": """\
---
title: Workshop Overview
---

Welcome. The instructions are on the left; the terminals are on the right.
""",
    "workshop/content/01-first-commands.md": """\
---
title: First Commands
---

Run this in the first terminal:

```terminal:execute
command: echo "Hello from the notes"; date
```

And this in the second one:

```terminal:execute
command: uname -a
session: 2
```

A block to copy:

```workshop:copy
text: export EDITOR=nano
```

```section:begin
title: More about clickable actions
```

Each grey block is one action; `resources/workshop.yaml` sets the terminal layout.

```section:end
```
""",
    "workshop/content/99-workshop-summary.md": """\
---
title: Workshop Summary
---

That is all. Pages are ordered by their file names in `workshop/content/`.
""",
}

KILLERCODA = {
    "index.json": """\
{
  "title": "My Scenario",
  "description": "A small scenario to start from",
  "details": {
    "intro": {
      "text": "intro.md"
    },
    "steps": [
      {
        "title": "First commands",
        "text": "step1/text.md",
        "background": "step1/background.sh",
        "foreground": "step1/foreground.sh"
      }
    ],
    "finish": {
      "text": "finish.md"
    }
  }
}
""",
    "intro.md": """\
Welcome. The steps are on the left; the terminal is on the right.
""",
    "step1/text.md": """\
Run a command in the terminal: `ls -lh`{{exec}}

Start something that runs forever:

```
sleep 1d
```{{exec}}

Stop it and run another command:

```
whoami
```{{exec interrupt}}

Copy this: `export EDITOR=nano`{{copy}}
""",
    "step1/background.sh": """\
echo "this step's background script ran"
date > /tmp/step1-started
""",
    "step1/foreground.sh": """\
echo "Welcome to the first step"
""",
    "finish.md": """\
That is all. The pages and their order are in `index.json`.
""",
}

FORMATS = {"homeroom": HOMEROOM, "educates": EDUCATES, "killercoda": KILLERCODA}


def write(directory: Path, format_name: str) -> list[Path]:
    """Write the ``format_name`` workshop into ``directory`` (new or empty); returns the files written."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise FileExistsError(f"{directory} exists and is not an empty folder: nothing written")
    written = []
    for relative, text in FORMATS[format_name].items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", type=Path, help="the folder to create (new, or empty)")
    parser.add_argument("--format", choices=sorted(FORMATS), default="homeroom",
                        help="the workshop format: homeroom (the original dashboard images' modules.yaml layout), "
                             "educates (Hugo pages and resources/workshop.yaml) or killercoda (index.json scenario)")


def run(args: argparse.Namespace) -> int:
    try:
        written = write(args.directory, args.format)
    except FileExistsError as error:
        print(f"labdeck new: {error}")
        return 1
    print(f"{args.directory}: a {args.format} workshop, {len(written)} files. Try it:")
    print(f"  labdeck notes check {args.directory}")
    print(f"  labdeck serve --content {args.directory}")
    return 0
