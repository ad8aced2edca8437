"""labdeck-terminal: in-browser terminals whose shells live in a server of their own.

Everything under ``<prefix>terminal/`` is proxied to that server (our own PTY server,
or Butterfly with ``TERMINAL_BACKEND=butterfly``); see docs/terminal.md. The plugin's hooks are
in ``labdeck_terminal.plugin``, so the terminal server (``labdeck_terminal.server``) starts
without importing labdeck and aiohttp.
"""

__version__ = "0.1.0"
