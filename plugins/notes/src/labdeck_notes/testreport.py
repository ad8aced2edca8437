"""What ``labdeck notes test`` prints per page and block, and its JUnit XML for CI
(one ``testsuite`` per page, one ``testcase`` per block with ``file`` and ``line``)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .testrun import Result
    from .workshop import Page, Workshop

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    """What a program printed may hold characters XML 1.0 cannot carry (a bell, a backspace)."""
    return _NOT_XML.sub("\ufffd", text)


def _name(result: Result) -> str:
    step = result.step
    if step.kind == "check":
        what = f"check {step.check.get('name') or step.check.get('verify')}"
    elif step.kind == "interrupt":
        what = f"interrupt terminal {step.session}"
    else:
        what = step.label
    return f"{result.where} {what}"


def print_page(page: Page, results: Sequence[Result]) -> None:
    print(f"{page.id} ({page.file})" + ("" if results else ": nothing to run"), flush=True)
    for result in results:
        line = f"  {result.state:<8}{_name(result)}"
        if result.message:
            line += f": {result.message}"
        print(line)
        if result.state == "failed" and result.output:
            print("\n".join(f"      | {text}" for text in result.output.split("\n")))
    print(flush=True)


def print_summary(directory: Path, results: Sequence[Result]) -> None:
    counts = {state: sum(r.state == state for r in results) for state in ("passed", "failed", "skipped")}
    print(f"{directory}: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")


def write_junit(path: Path, workshop: Workshop, results: Sequence[Result]) -> None:
    root = ET.Element("testsuites", name=workshop.title, tests=str(len(results)),
                      failures=str(sum(r.state == "failed" for r in results)))
    suites: dict[str, ET.Element] = {}
    for result in results:
        page = result.page
        suite = suites.get(page.id)
        if suite is None:
            suite = suites[page.id] = ET.SubElement(root, "testsuite", name=page.id, file=page.file)
        case = ET.SubElement(suite, "testcase", name=_xml(_name(result)), classname=page.id, file=page.file,
                             line=str(result.step.line), time=f"{result.seconds:.3f}")
        if result.state == "failed":
            failure = ET.SubElement(case, "failure", message=_xml(result.message))
            failure.text = _xml(result.output)
        elif result.state == "skipped":
            ET.SubElement(case, "skipped", message=_xml(result.message))
        if result.output:
            ET.SubElement(case, "system-out").text = _xml(result.output)
    for suite in suites.values():
        cases = list(suite)
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(case.find("failure") is not None for case in cases)))
        suite.set("skipped", str(sum(case.find("skipped") is not None for case in cases)))
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
