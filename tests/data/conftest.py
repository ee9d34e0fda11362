"""A real HTTP server on 127.0.0.1 (random free port) serving a temporary folder, for the
download tests; and a helper to point the full data sets at it."""

from __future__ import annotations

import functools
import hashlib
import http.server
import socket
import threading
from pathlib import Path

import pytest

from qrnn.data import sources


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Server:
    def __init__(self, root: Path):
        self.root = root
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def put(self, name: str, data: bytes) -> str:
        """Serve ``data`` as ``name``; return its URL."""
        (self.root / name).write_bytes(data)
        return f"{self.url}/{name}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    running = Server(root)
    yield running
    running.stop()


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens: connecting is refused, like a cut-off network."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def serve_dataset(monkeypatch, server: Server, dataset: str, files: dict[str, bytes]) -> None:
    """Serve ``files`` (name -> bytes) and make ``dataset``'s registry entry pin their hashes;
    the real download code then fetches them through QRNN_DATA_MIRROR."""
    entries = []
    for name, data in files.items():
        server.put(name, data)
        entries.append(sources.RemoteFile(f"https://example.invalid/{name}", sha256(data), name, len(data)))
    monkeypatch.setitem(sources.REMOTE, dataset, tuple(entries))
    monkeypatch.setenv("QRNN_DATA_MIRROR", server.url)
