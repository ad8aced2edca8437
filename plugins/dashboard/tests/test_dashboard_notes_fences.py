"""End to end in Chromium (dashboard, real notes, real bash): an execute block closed by a
longer fence, as marked allowed, runs only its own command and leaves the shell at its prompt."""

from __future__ import annotations

from playwright.sync_api import expect

PAGE = """# Fences

Run this:

```execute
echo fence-$((6*7))
````

If you see the answer, run the next one:

```execute
echo after-$((2*3))
```
"""


def test_an_execute_block_closed_by_a_longer_fence_leaves_the_shell_at_its_prompt(attendee, tmp_path):
    (tmp_path / "fences.md").write_text(PAGE)
    server, browsing = attendee(tmp_path)
    page = browsing.page
    page.locator("#ld-notes").element_handle().content_frame().goto(f"{server.url}notes/fences")
    notes = page.frame_locator("#ld-notes")
    screen = page.frame_locator("iframe.ld-terminal[data-session='1']").locator("body")
    blocks = notes.locator(".ld-execute")
    expect(blocks).to_have_count(2)
    expect(blocks.first).to_have_text("echo fence-$((6*7))")
    blocks.first.click()
    expect(screen).to_contain_text("fence-42")
    blocks.nth(1).click()
    # a shell left at bash's ">" continuation prompt would not run this: it gets its prompt back
    expect(screen).to_contain_text("after-6")
    expect(screen).not_to_contain_text("If you see")
    assert browsing.errors == []
