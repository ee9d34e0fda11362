"""The processed-data directory shared by every data set: ``{train,valid,test}.pt``, extra files
(vocabularies, a permutation), and ``manifest.json`` written last with the SHA-256 of each.

The manifest's ``sha256`` (a hash of the sorted file -> hash mapping) is the one data hash a
run records; ``read_processed`` refuses a directory whose files do not match it.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import torch

from qrnn.errors import QrnnError
from qrnn.io import atomic

FORMAT = 1
MANIFEST = "manifest.json"
SPLITS = ("train", "valid", "test")


def tensor_bytes(tensors: Any) -> bytes:
    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    return buffer.getvalue()


def json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode()


def files_hash(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(dict(sorted(files.items()))).encode()).hexdigest()


def write_processed(
    out_dir: str | Path,
    *,
    task: str,
    source: str,
    splits: dict[str, dict[str, torch.Tensor]],
    extra_files: dict[str, bytes],
    raw_files: list[dict[str, str]],
    settings: dict[str, Any],
    sizes: dict[str, int],
    **task_keys: Any,
) -> dict[str, Any]:
    """Write every file atomically, then the manifest; return the manifest."""
    out_dir = Path(out_dir)
    (out_dir / MANIFEST).unlink(missing_ok=True)  # an interrupted rewrite must not look complete
    contents = {f"{name}.pt": tensor_bytes(splits[name]) for name in SPLITS} | extra_files
    files = {}
    for name, data in sorted(contents.items()):
        atomic.write_atomically(out_dir / name, lambda handle, data=data: handle.write(data))
        files[name] = hashlib.sha256(data).hexdigest()
    manifest = {
        "task": task,
        "format": FORMAT,
        "source": source,
        "raw_files": raw_files,
        "files": files,
        "sha256": files_hash(files),
        "settings": settings,
        "sizes": sizes,
        **task_keys,
    }
    atomic.write_json(out_dir / MANIFEST, manifest)
    return manifest


def read_manifest(data_dir: str | Path) -> dict[str, Any]:
    """The manifest of ``data_dir`` after checking every file it lists against its SHA-256."""
    path = Path(data_dir) / MANIFEST
    if not path.is_file():
        raise QrnnError(f"missing {path}: the processed data in {data_dir} is absent or incomplete; write it with `qrnn prepare-data`")
    try:
        manifest = json.loads(path.read_text())
        files = manifest["files"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise QrnnError(f"{path} is not a processed-data manifest ({error})") from None
    if manifest.get("format") != FORMAT:
        raise QrnnError(f"{path} has format {manifest.get('format')!r}, this code reads format {FORMAT}; prepare the data again")
    if files_hash(files) != manifest.get("sha256"):
        raise QrnnError(f"{path}: its sha256 does not match its file list; prepare the data again")
    for name, expected in sorted(files.items()):
        file = Path(data_dir) / name
        if not file.is_file():
            raise QrnnError(f"missing {file}, listed in {path}; prepare the data again")
        if hashlib.sha256(file.read_bytes()).hexdigest() != expected:
            raise QrnnError(f"{file} does not match its sha256 {expected} in {path}; prepare the data again")
    return manifest


def read_processed(data_dir: str | Path) -> tuple[dict[str, dict[str, torch.Tensor]], dict[str, Any]]:
    """The train/valid/test tensors and the manifest, every file checked against its hash.

    Other files of the directory (``vocab*.json``, ``permutation.pt``, ...) are checked too;
    read them with ``read_json`` / ``read_tensor``.
    """
    manifest = read_manifest(data_dir)
    missing = [f"{name}.pt" for name in SPLITS if f"{name}.pt" not in manifest["files"]]
    if missing:
        raise QrnnError(f"{Path(data_dir) / MANIFEST} lists no {', '.join(missing)}")
    splits = {name: torch.load(Path(data_dir) / f"{name}.pt", weights_only=True) for name in SPLITS}
    return splits, manifest


def read_json(data_dir: str | Path, name: str, manifest: dict[str, Any]) -> Any:
    """A JSON file of an already verified directory (``manifest`` from ``read_processed``)."""
    _listed(data_dir, name, manifest)
    return json.loads((Path(data_dir) / name).read_text())


def read_tensor(data_dir: str | Path, name: str, manifest: dict[str, Any]) -> torch.Tensor:
    _listed(data_dir, name, manifest)
    return torch.load(Path(data_dir) / name, weights_only=True)


def _listed(data_dir: str | Path, name: str, manifest: dict[str, Any]) -> None:
    if name not in manifest["files"]:
        raise QrnnError(f"{Path(data_dir) / MANIFEST} lists no {name}")
