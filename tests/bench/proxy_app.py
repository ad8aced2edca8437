"""labdeck as the proxy under test: core's app, token auth, ``up/`` proxied to the upstream.

Usage: python proxy_app.py PORT UPSTREAM_PORT TOKEN
"""

import sys

from labdeck import ProxySpec, hookimpl
from labdeck.deck import DECK
from labdeck.server import run_app
from labdeck_testing import make_app


class BenchProxy:
    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port

    @hookimpl
    def register_proxies(self, deck):
        return [ProxySpec(path="up/", upstream=f"http://127.0.0.1:{self.upstream_port}/")]


def main() -> None:
    port, upstream_port, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    app = make_app({"bench": BenchProxy(upstream_port)}, token=token, log_level="warning", port=port)
    try:
        from uvloop import run
    except ImportError:
        from asyncio import run
    run(run_app(app, app[DECK].settings.core))


if __name__ == "__main__":
    main()
