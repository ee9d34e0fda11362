"""Compile the C kernels (statevector_kernels.c, rotations.c) on first use and load them with ctypes.

The library is built for this machine (-march=native) into a cache folder, under a name
that hashes the sources, the compiler's identity, the flags and the CPU's identity, so a
changed source, compiler or CPU (a cluster whose nodes differ, a home folder shared
between machines) gets a build of its own. Concurrent first uses (parallel Snakemake
jobs) build once: the compile runs under an exclusive lock on a file in the cache folder,
the processes that waited find the library when they get the lock, and the library is
compiled under a temporary name and renamed into place, so no process loads half a file.

QRNN_KERNELS chooses the path, read once per process (and the build is tried once per process):
    auto    (default) the C kernels when they build here, else the PyTorch path, with one warning
    native  the C kernels, or an error saying why they cannot be built
    torch   the PyTorch path only (the reference implementation)
QRNN_KERNEL_CACHE overrides the cache folder (default: $XDG_CACHE_HOME/qrnn/kernels or
~/.cache/qrnn/kernels); CC overrides the compiler (default: cc).
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import os
import platform
import shlex
import subprocess
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path

from qrnn.errors import QrnnError

SOURCES = tuple(
    Path(__file__).with_name(name)
    for name in ("statevector_kernels.c", "rotations.c", "rotations.h", "common_body.h", "layers_body.h", "readout_body.h")
)
COMPILED = tuple(source for source in SOURCES if source.suffix == ".c")
ABI = 5
MODES = ("auto", "native", "torch")
# The two engine paths, as the first words of description() (recorded in every metrics.json).
KERNELS_PATH = "C kernels"
PYTORCH_PATH = "PyTorch"
# -fno-math-errno and -fno-trapping-math only drop errno/trap bookkeeping; no -ffast-math:
# the results must follow IEEE rounding, like the PyTorch path's.
TUNED_FLAGS = ("-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math")
PORTABLE_FLAGS = ("-O3", "-fno-math-errno", "-fno-trapping-math")
COMMON_FLAGS = ("-std=c11", "-ffp-contract=fast", "-shared", "-fPIC")


class KernelBuildError(QrnnError, RuntimeError):
    """The C kernels could not be compiled or loaded here, or QRNN_KERNELS names no mode:
    a QrnnError, so the command line reports it in a line rather than a traceback."""


def requested_mode() -> str:
    mode = os.environ.get("QRNN_KERNELS", "auto").strip().lower() or "auto"
    if mode not in MODES:
        raise KernelBuildError(f"QRNN_KERNELS={mode!r} is not one of {', '.join(MODES)}")
    return mode


def cache_folder() -> Path:
    if os.environ.get("QRNN_KERNEL_CACHE"):
        return Path(os.environ["QRNN_KERNEL_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "qrnn" / "kernels"


def _compiler() -> list[str]:
    return shlex.split(os.environ.get("CC") or "cc")


def _compiler_identity(compiler: list[str]) -> str:
    try:
        result = subprocess.run([*compiler, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        raise KernelBuildError(f"no C compiler: {' '.join(compiler)!r} cannot run ({error}); set CC or QRNN_KERNELS=torch")
    if result.returncode != 0:
        raise KernelBuildError(f"C compiler {' '.join(compiler)!r} failed on --version: {result.stderr.strip()[:200]}")
    return result.stdout.strip()


def _cpu_identity() -> str:
    """The machine type and, on Linux, the CPU's model and instruction-set flags."""
    parts = [platform.machine(), platform.system()]
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "flags", "Features")):
                parts.append(line)
            if line.strip() == "":  # the first processor's block is enough
                break
    except OSError:
        parts.append(platform.processor())
    return "\n".join(parts)


def _library_path(compiler: list[str], flags: tuple[str, ...], identity: str) -> Path:
    digest = hashlib.sha256()
    for source in SOURCES:
        digest.update(source.read_bytes())
    for part in (" ".join(compiler), identity, " ".join(flags), _cpu_identity()):
        digest.update(part.encode())
    return cache_folder() / f"statevector_kernels-{digest.hexdigest()[:16]}.so"


def _compile_once(compiler: list[str], flags: tuple[str, ...], target: Path) -> None:
    """Compile ``target`` unless it exists, or another process builds it while this one waits for the lock."""
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / "build.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
        except OSError:  # a file system without locks: each process compiles, the renames keep every library whole
            pass
        if not target.exists():
            _compile(compiler, flags, target)


def _compile(compiler: list[str], flags: tuple[str, ...], target: Path) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(descriptor)
    command = [*compiler, *flags, *COMMON_FLAGS, *map(str, COMPILED), "-o", temporary]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise KernelBuildError(f"compiling the C kernels failed ({' '.join(command)}):\n{result.stderr.strip()[:2000]}")
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _declare(library: ctypes.CDLL) -> ctypes.CDLL:
    pointer, int64, int32 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int
    for suffix in ("f32", "f64"):
        signatures = {
            "qrnn_step": (pointer, pointer, pointer, int64, pointer, int64, int32, pointer, pointer, int32, int64, int32, int32, pointer, pointer, int32,
                          pointer),
            "qrnn_step_backward": (pointer, pointer, pointer, pointer, pointer, int64, pointer, int64, int32, pointer, int32, int64, int32, int32,
                                   pointer, pointer, pointer, pointer, pointer),
            "qrnn_expectations": (pointer, int64, int32, pointer),
            "qrnn_expectations_backward": (pointer, pointer, int64, int32, pointer),
        }
        for name, arguments in signatures.items():
            function = getattr(library, f"{name}_{suffix}")
            function.argtypes = arguments
            function.restype = ctypes.c_int
    library.qrnn_kernels_abi.restype = ctypes.c_int
    if library.qrnn_kernels_abi() != ABI:
        raise KernelBuildError(f"kernel library reports ABI {library.qrnn_kernels_abi()}, expected {ABI}")
    return library


def build() -> tuple[ctypes.CDLL, str]:
    """The loaded kernel library and a one-line description of how it was built.

    Tries -march=native first and portable flags second (a compiler that does not know the
    CPU); raises KernelBuildError when neither builds.
    """
    compiler = _compiler()
    identity = _compiler_identity(compiler)
    errors = []
    for flags in (TUNED_FLAGS, PORTABLE_FLAGS):
        target = _library_path(compiler, flags, identity)
        try:
            _compile_once(compiler, flags, target)
            library = _declare(ctypes.CDLL(str(target)))
        except (KernelBuildError, OSError) as error:
            errors.append(str(error))
            continue
        return library, f"{KERNELS_PATH} ({identity.splitlines()[0]}; {' '.join(flags)})"
    raise KernelBuildError("\n".join(errors))


@lru_cache(maxsize=1)
def library() -> ctypes.CDLL | None:
    """The kernel library, or None when QRNN_KERNELS=torch or (auto) when it cannot be built."""
    mode = requested_mode()
    if mode == "torch":
        return None
    built = _built()
    if isinstance(built, KernelBuildError):
        if mode == "native":
            raise KernelBuildError(str(built))
        warnings.warn(
            f"qrnn: the C state-vector kernels are unavailable, using the slower PyTorch path ({built}). "
            "Set QRNN_KERNELS=torch to silence this.",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return built[0]


@lru_cache(maxsize=1)
def _built() -> tuple[ctypes.CDLL, str] | KernelBuildError:
    """The build, or why it failed: tried once per process (a failing compiler is not run again for every call)."""
    try:
        return build()
    except KernelBuildError as error:
        return error


def description() -> str:
    """Which path computes the engine's CPU states, for metrics.json and benchmark output:
    it starts with KERNELS_PATH or PYTORCH_PATH (the tables compare runs by that kind)."""
    if library() is None:
        return f"{PYTORCH_PATH} (QRNN_KERNELS=torch)" if requested_mode() == "torch" else f"{PYTORCH_PATH} (C kernels unavailable)"
    return _built()[1]
