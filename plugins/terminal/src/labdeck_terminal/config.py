"""The settings this plugin reads: its group ``terminal`` (``--terminal-*`` flags of ``labdeck serve``)."""

from __future__ import annotations

from pathlib import Path

from labdeck import Setting

SETTINGS = [
    Setting("backend", env="TERMINAL_BACKEND", default="own", choices=("own", "butterfly"),
            help="terminal server: labdeck's own PTY server, or Butterfly 3.2.5 "
                 "(pip install labdeck-terminal[butterfly])"),
    Setting("home", env="TERMINAL_HOME", type=Path, default=None,
            help="folder every terminal starts in (default: the home directory)"),
    Setting("shell", env="LABDECK_TERMINAL_SHELL", default=None,
            help="login shell of the terminals (default: $SHELL, else bash)"),
    Setting("profile_dirs", env="LABDECK_TERMINAL_PROFILE_DIRS", type=list,
            default=("/opt/app-root/etc/profile.d",),
            help="folders whose *.sh every terminal sources before its shell starts"),
    Setting("sessions", env="LABDECK_TERMINAL_SESSIONS", type=int, default=16,
            help="most terminal sessions at once"),
    Setting("scrollback", env="LABDECK_TERMINAL_SCROLLBACK", type=int, default=512 * 1024,
            help="bytes of output each session keeps and replays on reconnect"),
    Setting("window", env="LABDECK_TERMINAL_WINDOW", type=int, default=512 * 1024,
            help="unacknowledged output bytes a browser may hold before the shell's output is paused"),
]
