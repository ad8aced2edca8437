"""What the console plugin makes of its settings: where the console is, how to
authenticate to it (a bearer token that may change on disk), how to trust its
certificate, and the optional program that runs it."""

from __future__ import annotations

import logging
import shlex
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from labdeck import Deck, ProgramSpec, SettingsError, SettingsGroup, is_loopback

log = logging.getLogger("labdeck.console")

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
#: the pod's own token, sent when no other is configured and the file exists
DEFAULT_TOKEN_FILE = SERVICE_ACCOUNT / "token"
#: trusted (beside the system's roots) when no CA file is configured: the cluster CA, and on
#: OpenShift the service CA that signs in-cluster services such as the console's
DEFAULT_CA_FILES = (SERVICE_ACCOUNT / "ca.crt", SERVICE_ACCOUNT / "service-ca.crt")
NO_TOKEN = ("none", "off", "false", "no")
PATH = "console/"


def parse_console_url(text: str) -> str:
    """``https://console.example/base`` -> ``https://console.example/base/`` (http or https, a host)."""
    url = urlsplit(text.strip())
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ValueError("expected an http:// or https:// URL with a host")
    if url.query or url.fragment:
        raise ValueError("a query or fragment has no place in the console's base URL")
    path = url.path if url.path.endswith("/") else url.path + "/"
    return urlunsplit((url.scheme, url.netloc, path, "", ""))


class BearerToken:
    """The token to send upstream: a fixed value, or a file read again whenever it changes
    (Kubernetes rotates projected service-account tokens by swapping the file)."""

    def __init__(self, value: str | None = None, path: Path | None = None):
        self.value = value.strip() if value else None
        self.path = path
        self._seen: tuple | None = None
        self._failed = False

    def __call__(self) -> str | None:
        if self.path is None:
            return self.value
        try:
            info = self.path.stat()
            stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
            if stamp != self._seen:
                value = self.path.read_text().strip()
                if any(c in value for c in "\r\n\0"):
                    raise OSError(0, "it holds more than one line")
                self.value = value or None
                self._seen = stamp
                self._failed = False
        except (OSError, UnicodeDecodeError) as error:
            if not self._failed:
                reason = getattr(error, "strerror", None) or type(error).__name__
                log.warning("console: cannot read the token file %s: %s", self.path, reason)
                self._failed = True
            self._seen = None
            self.value = None
        return self.value

    def headers(self, request: Any = None) -> dict[str, str]:
        """For ``ProxySpec.headers``: asked on every proxied request."""
        token = self()
        return {"Authorization": f"Bearer {token}"} if token else {}


@dataclass(frozen=True)
class Console:
    """Everything the hooks need, worked out once from the settings."""

    url: str
    token: BearerToken | None
    tls: ssl.SSLContext | bool | None
    keep_path: bool
    program: ProgramSpec | None


def console_from(deck: Deck) -> Console | None:
    """None when neither ``CONSOLE_URL`` nor a console command is configured."""
    settings = deck.settings.console
    program = console_program(deck)
    url = settings.url or (f"http://127.0.0.1:{settings.port}/" if program else None)
    if url is None:
        return None
    if "@" in urlsplit(url).netloc:  # checked here, not in the parser, which would echo the password
        raise SettingsError("--console-url / CONSOLE_URL: no user or password in the URL; "
                            "give a token (LABDECK_CONSOLE_TOKEN or LABDECK_CONSOLE_TOKEN_FILE)")
    return Console(url=url, token=bearer_token(settings), tls=tls_for(url, settings),
                   keep_path=settings.keep_path, program=program)


def bearer_token(settings: SettingsGroup) -> BearerToken | None:
    if settings.token:
        return BearerToken(value=settings.token)
    chosen = settings.token_file
    if chosen and chosen.strip().lower() in NO_TOKEN:
        return None
    if chosen:
        return BearerToken(path=Path(chosen))
    return BearerToken(path=DEFAULT_TOKEN_FILE) if DEFAULT_TOKEN_FILE.is_file() else None


def tls_for(url: str, settings: SettingsGroup) -> ssl.SSLContext | bool | None:
    """None (the system's roots) for http or when there is nothing to add; False only when asked."""
    if urlsplit(url).scheme != "https":
        return None
    if not settings.verify_tls:
        return False
    ca_files = [settings.ca_file] if settings.ca_file else [p for p in DEFAULT_CA_FILES if p.is_file()]
    if not ca_files:
        return None
    context = ssl.create_default_context()
    for ca_file in ca_files:
        try:
            context.load_verify_locations(cafile=str(ca_file))
        except (OSError, ssl.SSLError) as error:
            raise SettingsError(f"--console-ca-file / LABDECK_CONSOLE_CA_FILE: cannot load {ca_file}: {error}"
                                ) from None
    return context


def console_program(deck: Deck) -> ProgramSpec | None:
    """The console command as a supervised program: ``{port}`` and ``{base_path}`` in it are
    replaced, and it gets them as ``CONSOLE_PORT`` and ``CONSOLE_BASE_PATH`` too."""
    settings = deck.settings.console
    if not settings.command:
        return None
    port = str(settings.port)
    base_path = deck.url(PATH)
    command = [arg.replace("{port}", port).replace("{base_path}", base_path)
               for arg in shlex.split(settings.command)]
    return ProgramSpec(name="console", command=command,
                       environment={"CONSOLE_PORT": port, "CONSOLE_BASE_PATH": base_path})


def warn_about(console: Console) -> None:
    """Say once, at start, what an operator should know."""
    url = urlsplit(console.url)
    log.info("console: %s proxied at console/%s", console.url, " with a bearer token" if console.token else "")
    if console.tls is False:
        log.warning("console: TLS verification of %s is OFF (LABDECK_CONSOLE_VERIFY_TLS=false)", console.url)
    if console.token and url.scheme == "http" and not is_loopback(url.hostname or ""):
        log.warning("console: the bearer token goes to %s over plain http", url.hostname)



