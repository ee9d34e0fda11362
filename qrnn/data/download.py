"""Download one file with pooch and refuse it unless its SHA-256 is the pinned one.

pooch streams into a temporary file next to the target and renames it only after the hash
matched, so a failed, truncated or wrong download leaves nothing behind. A file already in
``download_dir`` (downloaded earlier, or put there by hand on a machine without network) is
checked against the same hash and used without touching the network.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from qrnn.errors import QrnnError

MIRROR_VARIABLE = "QRNN_DATA_MIRROR"


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mirrored(url: str, filename: str, mirror: str | None = None) -> str:
    """``url``, or ``<mirror>/<filename>`` when a mirror is given or set in $QRNN_DATA_MIRROR."""
    mirror = mirror if mirror is not None else os.environ.get(MIRROR_VARIABLE) or None
    return f"{mirror.rstrip('/')}/{filename}" if mirror else url


def fetch(url: str, sha256: str, download_dir: str | Path, filename: str, progress: bool = True) -> Path:
    """Return ``download_dir/filename`` with the given SHA-256, downloading it from ``url`` if absent."""
    import pooch  # imported here: only the full data sets need it
    import requests

    target = Path(download_dir).resolve() / filename
    if target.is_file():
        found = file_sha256(target)
        if found != sha256:
            raise QrnnError(
                f"{target} has sha256 {found}, expected {sha256}: the file is corrupt or truncated; "
                f"delete it and download it again from {url}"
            )
        return target
    try:
        pooch.retrieve(url, known_hash=f"sha256:{sha256}", fname=filename, path=target.parent, progressbar=progress)
    except ValueError as error:  # pooch's hash mismatch; it has already deleted the temporary file
        raise QrnnError(
            f"download of {filename} from {url} does not have the expected sha256 {sha256} "
            f"(truncated or corrupt); nothing was kept ({error})"
        ) from None
    except requests.exceptions.RequestException as error:
        raise DownloadUnavailable(url, target, sha256, _reason(error)) from None
    return target


class DownloadUnavailable(QrnnError):
    """A file could not be downloaded (no network, host down, HTTP error): say how to get it by hand."""

    def __init__(self, url: str, target: Path, sha256: str, reason: str):
        self.url, self.target, self.sha256, self.reason = url, target, sha256, reason
        super().__init__(
            f"could not download {url} ({reason}); without network, download it yourself and save it as "
            f"{target} (expected sha256 {sha256}); the next run verifies and uses it"
        )


def _reason(error: Exception) -> str:
    response = getattr(error, "response", None)
    if response is not None:
        return f"HTTP {response.status_code}"
    return type(error).__name__
