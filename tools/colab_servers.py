"""The loopback servers of :mod:`tools.colab_check`: the datasets' hosts and the course's git repository.

- :func:`make_certificates`: a throwaway certificate authority and one server certificate for the
  dataset hosts, made with the ``openssl`` command;
- :class:`InterceptProxy`: an HTTP proxy (``https_proxy=http://127.0.0.1:PORT``) that answers
  ``CONNECT`` to a dataset host by terminating TLS itself and serving the rebuilt archives
  (:mod:`tools.colab_data`), and passes every other ``CONNECT`` (pip's package index) through;
- :class:`GitServer`: a folder of bare repositories served over git's dumb HTTP protocol.

Each server runs in daemon threads, every socket has a timeout, and ``stop()`` (or leaving the
``with`` block) shuts it down.
"""

from __future__ import annotations

import functools
import select
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tools.colab_data import Route

#: Seconds a connection may stay silent before a server closes it.
IDLE = 120.0
#: Seconds to reach an upstream host for a passed-through CONNECT.
CONNECT_TIMEOUT = 30.0
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Certificates:
    """The throwaway authority (``ca``, to be trusted by the client) and the server's key pair."""

    ca: Path
    cert: Path
    key: Path


def _openssl(*args: str, cwd: Path) -> None:
    try:
        subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=60)
    except FileNotFoundError as exc:
        raise RuntimeError("the `openssl` command is missing: install it (apt-get install openssl)") from exc
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"openssl {' '.join(args[:2])} failed: {exc.stderr.strip()}") from exc


def make_certificates(folder: Path, hosts: Iterable[str]) -> Certificates:
    """A new authority (valid 2 days) and a certificate for ``hosts`` signed by it, in ``folder``.

    The extensions are those a strict verifier asks for (Python 3.13's default context sets
    ``VERIFY_X509_STRICT``): key identifiers, a critical basic-constraints and key-usage.
    """
    folder.mkdir(parents=True, exist_ok=True)
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl(
        "req",
        "-x509",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=rnn-course colab-check throwaway CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-addext",
        "subjectKeyIdentifier=hash",
        cwd=folder,
    )
    names = sorted(set(hosts))
    (folder / "server.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid,issuer\n"
        f"subjectAltName={','.join(f'DNS:{h}' for h in names)}\n",
        encoding="utf-8",
    )
    _openssl(
        "req",
        "-new",
        *ec,
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        f"/CN={names[0]}",
        cwd=folder,
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        cwd=folder,
    )
    return Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")


@dataclass(frozen=True)
class Request:
    """One request the proxy saw: for a dataset host, its path and answer; else the passed-through host."""

    host: str
    path: str
    status: int
    size: int = 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Stoppable:
    """Run an HTTP server in a daemon thread; ``stop()`` shuts it down."""

    server: _Server

    def start(self) -> _Stoppable:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
        return self

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Quiet(BaseHTTPRequestHandler):
    timeout = IDLE
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Origin(_Quiet):
    """The dataset hosts' side of an intercepted connection: answers from the proxy's routes."""

    proxy: InterceptProxy
    connect_host: str

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        host = (self.headers.get("Host") or self.connect_host).split(":")[0].lower()
        path = self.path.split("?", 1)[0]
        route = self.proxy.routes.get((host, path))
        if route is not None and route.redirect:
            self.send_response(302)
            self.send_header("Location", route.redirect)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.proxy.record(Request(host, path, 302))
            return
        if route is None or route.file is None:
            data = b"Not Found\n"
            self.send_response(404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)
            self.proxy.record(Request(host, path, 404))
            return
        size = route.file.stat().st_size
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if body:
            with open(route.file, "rb") as src:
                while chunk := src.read(_CHUNK):
                    self.wfile.write(chunk)
        self.proxy.record(Request(host, path, 200, size))


class _ProxyHandler(_Quiet):
    proxy: InterceptProxy

    def do_CONNECT(self) -> None:
        host, _, port = self.path.rpartition(":")
        host = host.strip("[]").lower()
        self.close_connection = True
        if host in self.proxy.hosts and port == "443":
            self._intercept(host)
        else:
            self._tunnel(host, int(port) if port.isdigit() else 443)

    def _established(self) -> None:
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()

    def _intercept(self, host: str) -> None:
        self._established()
        try:
            tls = self.proxy.tls.wrap_socket(self.connection, server_side=True)
        except (OSError, ssl.SSLError):
            self.proxy.record(Request(host, "(TLS handshake failed)", 0))
            return
        handler = type("_OriginFor", (_Origin,), {"proxy": self.proxy, "connect_host": host})
        try:
            handler(tls, self.client_address, self.server)
        except OSError:
            pass
        finally:
            tls.close()

    def _tunnel(self, host: str, port: int) -> None:
        try:
            upstream = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
        except OSError:
            self.send_error(502, f"cannot reach {host}:{port}")
            self.proxy.record(Request(host, f":{port} (passed through)", 502))
            return
        self.proxy.record(Request(host, f":{port} (passed through)", 200))
        self._established()
        relay(self.connection, upstream, IDLE)

    def do_GET(self) -> None:
        self.send_error(405, "this proxy only answers CONNECT")


def relay(a: socket.socket, b: socket.socket, idle: float) -> None:
    """Copy bytes both ways between ``a`` and ``b`` until one closes or both stay silent ``idle`` s."""
    try:
        while True:
            ready, _, _ = select.select([a, b], [], [], idle)
            if not ready:
                return
            for src in ready:
                data = src.recv(_CHUNK)
                if not data:
                    return
                (b if src is a else a).sendall(data)
    except OSError:
        return
    finally:
        b.close()


class InterceptProxy(_Stoppable):
    """``https_proxy`` on 127.0.0.1 that serves ``routes`` for their hosts and tunnels the rest.

    Args:
        routes: what each dataset URL answers (:func:`tools.colab_data.build_archives`).
        certificates: a certificate valid for every route's host.
    """

    def __init__(self, routes: Iterable[Route], certificates: Certificates) -> None:
        self.routes = {(r.host, r.path): r for r in routes}
        self.hosts = frozenset(host for host, _ in self.routes)
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(certificates.cert, certificates.key)
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        handler = type("_ProxyFor", (_ProxyHandler,), {"proxy": self})
        self.server = _Server(("127.0.0.1", 0), handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def take_requests(self) -> list[Request]:
        """The requests seen since the last call."""
        with self._lock:
            seen, self.requests = self.requests, []
        return seen

    def __enter__(self) -> InterceptProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _GitFiles(SimpleHTTPRequestHandler):
    timeout = IDLE
    served: list[str]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        self.served.append(self.path)
        return super().send_head()


class GitServer(_Stoppable):
    """The bare repositories under ``root``, over git's dumb HTTP protocol, on 127.0.0.1.

    Each repository must have had ``git update-server-info`` run in it.
    """

    def __init__(self, root: Path) -> None:
        self.served: list[str] = []
        handler = type("_GitFilesFor", (_GitFiles,), {"served": self.served})
        self.server = _Server(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def __enter__(self) -> GitServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
