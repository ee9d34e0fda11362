"""Tasks on processed data files (DATA_CONTRACT: train.pt, valid.pt, test.pt, manifest.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qrnn.data.processed_files import load_processed
from qrnn.errors import QrnnError
from qrnn.tasks.base import Task


class DataTask(Task):
    """Built from a processed data folder (training), or from saved ``dimensions`` alone
    (rebuilding a finished run, whose test data the evaluation reads itself), or from
    neither (the data-free references of a study)."""

    def __init__(self, config, data_dir: str | Path | None = None, dimensions: dict[str, int] | None = None):
        self.config = config
        self.splits: dict[str, Any] | None = None
        if data_dir is not None:
            self.splits, self.manifest = load_processed(data_dir)
            self.data_dir = Path(data_dir)
            self.data_sha256 = self.manifest["sha256"]
            dimensions = self.read_dimensions(self.manifest, self.data_dir)
        self._dimensions = dict(dimensions or {})
        for name, value in self._dimensions.items():
            setattr(self, name, value)

    def read_dimensions(self, manifest: dict[str, Any], data_dir: Path) -> dict[str, int]:
        return {}

    def dimensions(self) -> dict[str, int]:
        return dict(self._dimensions)

    def split(self, name: str) -> dict[str, Any]:
        if self.splits is None:
            raise QrnnError(f"task {type(self).__name__} was built without its data folder; pass the processed data (--data)")
        return self.splits[name]

    @staticmethod
    def capped(count: int, limit: int) -> int:
        return count if limit == 0 else min(count, limit)
