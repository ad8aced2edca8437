"""S2I: a workshop built on the dashboard image with the seed's Dockerfile recipe (COPY to
/tmp/src, run assemble) serves its pages, runs its .workshop/build once and its
.workshop/setup on every start; a failing build step fails the build. Then the hub's
copy-once volume flow on that image."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

#: the project's own example workshop (a fresh clone has it; the corpus is for conformance tests)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "workshop"

SEED_RECIPE = """\
FROM {image}
USER root
COPY . /tmp/src
RUN rm -rf /tmp/src/.git* && chown -R 1001:0 /tmp/src && chmod -R g+w /tmp/src
USER 1001
RUN /usr/libexec/s2i/assemble
"""
BUILD = """\
#!/bin/bash
echo "built by uid $(id -u)" > /opt/app-root/src/built.txt
"""
SETUP = """\
#!/bin/bash
echo "setup ran as uid $(id -u)" >> /opt/app-root/src/setup.log
"""
FAILING_BUILD = """\
#!/bin/bash
echo step-one
false | cat
echo "a failed step was ignored" > /opt/app-root/src/should-not-exist
"""
WORKSHOP_IMAGE = "localhost/labdeck-test-workshop:test"
ARBITRARY_UID = 1000321


def workshop_source(tmp: Path, build: str, dashboard_image: str) -> Path:
    """The project's example workshop as a workshop repository with S2I scripts."""
    source = tmp / "example-workshop"
    shutil.copytree(EXAMPLE, source)
    (source / ".workshop").mkdir()
    (source / ".workshop" / "build").write_text(build)
    (source / ".workshop" / "setup").write_text(SETUP)
    (source / "Dockerfile").write_text(SEED_RECIPE.format(image=dashboard_image))
    return source


@pytest.fixture(scope="module")
def workshop_image(buildah, dashboard_image, tmp_path_factory) -> str:
    source = workshop_source(tmp_path_factory.mktemp("s2i"), BUILD, dashboard_image)
    buildah.bud("Dockerfile", WORKSHOP_IMAGE, {}, context=source)
    return WORKSHOP_IMAGE


def test_the_built_workshop_is_served_and_its_build_and_setup_ran(workshop_image, container_of, get):
    container = container_of(workshop_image)
    src = container.root / "opt" / "app-root" / "src"
    assert (src / "built.txt").read_text() == "built by uid 1001\n"
    assert not (container.root / "tmp" / "src" / "workshop").exists()
    # the copied files are read-only; assemble leaves them writable for any UID in group 0
    edit = container.run("sh", "-c", "echo >> /opt/app-root/src/workshop/content/index.md && echo edited")
    assert edit.stdout.strip() == "edited"
    container.start({"AUTH_USERNAME": "workshop", "AUTH_PASSWORD": "pw"})
    status, body = get(container.url + "notes/", auth=("workshop", "pw"))
    assert status == 200
    assert "This small workshop shows what labdeck notes can do" in body
    assert (src / "setup.log").read_text() == f"setup ran as uid {ARBITRARY_UID}\n"
    container.stop()
    container.start({"AUTH_USERNAME": "workshop", "AUTH_PASSWORD": "pw"})  # setup runs on every start
    assert (src / "setup.log").read_text().count("setup ran") == 2


def test_a_failing_build_step_fails_the_build(buildah, dashboard_image, tmp_path):
    source = workshop_source(tmp_path, FAILING_BUILD, dashboard_image)
    result = buildah.bud("Dockerfile", "localhost/labdeck-test-failing:test", {}, context=source, check=False)
    assert result.returncode != 0
    assert "step-one" in result.stdout + result.stderr
    assert not buildah.has_image("localhost/labdeck-test-failing:test")


def test_copy_once_seeds_a_volume_that_keeps_the_attendees_changes(workshop_image, container_of, tmp_path, get):
    volume = tmp_path / "volume"
    volume.mkdir()
    shutil.chown(volume, ARBITRARY_UID, 0)  # as a fresh volume with fsGroup 0 would be

    seeder = container_of(workshop_image)
    first = seeder.run("labdeck", "copy-once", "/opt/app-root", "/volume", volume=f"{volume}:/volume")
    assert "copied" in first.stdout
    page = volume / "src" / "workshop" / "content" / "index.md"
    assert "This small workshop shows what labdeck notes can do" in page.read_text()
    page.write_text("An attendee's own notes.\n")  # the attendee edits the workshop

    second = seeder.run("labdeck", "copy-once", "/opt/app-root", "/volume", volume=f"{volume}:/volume")
    assert "nothing copied" in second.stdout
    assert page.read_text() == "An attendee's own notes.\n"

    # the main container mounts the volume over /opt/app-root and serves what is in it
    main = container_of(workshop_image)
    main.start({"AUTH_USERNAME": "workshop", "AUTH_PASSWORD": "pw"}, volume=f"{volume}:/opt/app-root")
    status, body = get(main.url + "notes/", auth=("workshop", "pw"))
    assert status == 200 and "An attendee's own notes." in body
