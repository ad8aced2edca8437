"""In Chromium, as an attendee of a Jupyter room: open the Workshop launcher's URL with the
token, get the dashboard, and run a command in its terminal (a WebSocket through
jupyter-server-proxy, then labdeck's proxy, to the terminal server)."""

from labdeck_testing import frame_showing, terminal_frame


def test_launcher_url_opens_the_dashboard_and_its_terminal_runs_a_command(jupyter, chromium):
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(f"{jupyter.workshop}?token={jupyter.token}", timeout=60000)
        page.wait_for_url(jupyter.workshop + "dashboard/", timeout=60000)
        frame_showing(page, "Welcome", timeout=60)  # the workshop's notes beside the terminal
        terminal = terminal_frame(page)
        assert terminal.url.startswith(jupyter.workshop + "terminal/")
        terminal.click(".xterm-helper-textarea", force=True)
        terminal.type(".xterm-helper-textarea", "echo jupyter-$((6*7))\n")
        terminal.wait_for_function("document.querySelector('.xterm-rows').innerText.includes('jupyter-42')",
                                   timeout=30000)
    finally:
        context.close()


def test_without_the_token_the_browser_gets_jupyters_sign_in(jupyter, chromium):
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(jupyter.workshop + "dashboard/", timeout=60000)
        assert "/login" in page.url and "xterm" not in page.content()
    finally:
        context.close()
