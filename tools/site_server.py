"""A throw-away static HTTP server for the built site (``tools.check_site`` serves it to Chromium)."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from typing import Any

__all__ = ["StaticServer"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static file handler that does not log every request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class StaticServer:
    """A static HTTP server for a directory, on 127.0.0.1 and a free port, in a daemon thread."""

    def __init__(self, directory: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.port: int = self._httpd.server_address[1]
        serve = functools.partial(self._httpd.serve_forever, poll_interval=0.05)  # quick to shut down
        self._thread = threading.Thread(target=serve, name="static-server", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> StaticServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
