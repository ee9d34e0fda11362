"""The real pooch download against a local HTTP server: good, truncated, wrong, missing, refused."""

from __future__ import annotations

import http.server
import threading

import pytest

from qrnn.data import download, sources
from qrnn.errors import QrnnError
from tests.data.conftest import sha256

DATA = bytes(range(256)) * 40


def test_a_good_file_is_downloaded_verified_and_then_reused_without_network(server, tmp_path):
    url = server.put("good.bin", DATA)
    path = download.fetch(url, sha256(DATA), tmp_path / "dl", "good.bin", progress=False)
    assert path == (tmp_path / "dl" / "good.bin").resolve() and path.read_bytes() == DATA
    server.stop()
    again = download.fetch(url, sha256(DATA), tmp_path / "dl", "good.bin", progress=False)
    assert again == path and sorted(p.name for p in (tmp_path / "dl").iterdir()) == ["good.bin"]


@pytest.mark.parametrize("served", [DATA[:1000], DATA[:-1] + b"x"], ids=["truncated", "wrong-bytes"])
def test_a_truncated_or_wrong_download_names_the_file_and_hash_and_leaves_nothing(server, tmp_path, served):
    url = server.put("data.bin", served)
    with pytest.raises(QrnnError, match=f"data.bin.*{sha256(DATA)}"):
        download.fetch(url, sha256(DATA), tmp_path / "dl", "data.bin", progress=False)
    assert list((tmp_path / "dl").iterdir()) == []


def test_a_connection_dropped_mid_file_leaves_nothing(tmp_path):
    class Dropping(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(DATA)))
            self.end_headers()
            self.wfile.write(DATA[:500])  # then the connection closes

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Dropping)
    thread = threading.Thread(target=httpd.handle_request, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/data.bin"
    try:
        with pytest.raises(QrnnError, match="data.bin"):
            download.fetch(url, sha256(DATA), tmp_path / "dl", "data.bin", progress=False)
    finally:
        thread.join(5)
        httpd.server_close()
    assert list((tmp_path / "dl").iterdir()) == []


def test_a_missing_file_says_what_to_download_and_where(server, tmp_path):
    url = f"{server.url}/absent.bin"
    target = (tmp_path / "dl" / "absent.bin").resolve()
    with pytest.raises(QrnnError) as error:
        download.fetch(url, sha256(DATA), tmp_path / "dl", "absent.bin", progress=False)
    assert url in str(error.value) and str(target) in str(error.value) and "404" in str(error.value)
    assert not target.exists()


def test_no_network_says_what_to_download_and_where_and_the_next_run_uses_that_file(closed_port_url, tmp_path):
    url = f"{closed_port_url}/mnist.gz"
    target = (tmp_path / "dl" / "mnist.gz").resolve()
    with pytest.raises(QrnnError, match="download it yourself") as error:
        download.fetch(url, sha256(DATA), tmp_path / "dl", "mnist.gz", progress=False)
    assert url in str(error.value) and str(target) in str(error.value) and sha256(DATA) in str(error.value)
    target.write_bytes(DATA)  # what the user does by hand
    assert download.fetch(url, sha256(DATA), tmp_path / "dl", "mnist.gz", progress=False) == target


def test_a_damaged_file_already_in_download_dir_is_refused_by_name_and_hash(closed_port_url, tmp_path):
    (tmp_path / "dl").mkdir()
    (tmp_path / "dl" / "data.bin").write_bytes(DATA[:10])
    with pytest.raises(QrnnError, match=f"data.bin has sha256 {sha256(DATA[:10])}, expected {sha256(DATA)}"):
        download.fetch(f"{closed_port_url}/data.bin", sha256(DATA), tmp_path / "dl", "data.bin", progress=False)


def test_the_mirror_replaces_the_host_of_every_registered_file(monkeypatch):
    file = sources.REMOTE["mnist"][0]
    monkeypatch.delenv(download.MIRROR_VARIABLE, raising=False)
    assert download.mirrored(file.url, file.filename) == file.url
    monkeypatch.setenv(download.MIRROR_VARIABLE, "http://127.0.0.1:9/mirror/")
    assert download.mirrored(file.url, file.filename) == "http://127.0.0.1:9/mirror/train-images-idx3-ubyte.gz"


def test_every_registered_file_pins_a_sha256_and_a_distinct_filename():
    files = [file for entries in sources.REMOTE.values() for file in entries]
    assert len(files) == 11 and len({file.filename for file in files}) == len(files)
    assert all(len(file.sha256) == 64 and int(file.sha256, 16) >= 0 for file in files)
