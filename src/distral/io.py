"""Atomic file writing: a reader (or an interrupted run) never sees half a file.

A write that fails (a full disk, a read-only directory) raises WriteError, whose one-line
message names the file and the cause; the temporary file is removed, so the previous
version of the file (or none) stays in place. `check_writable` says the same up front.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pandas as pd


class WriteError(RuntimeError):
    """A file could not be written; the message names the file and the cause, on one line."""


# torch.save reports a full disk as a RuntimeError of its zip writer, without the path or errno
# ("[enforce fail at inline_container.cc:672] unexpected pos ...", "PytorchStreamWriter failed ...").
_TORCH_WRITE_ERRORS = ("inline_container.cc", "PytorchStreamWriter")


def _cause(exc: BaseException, directory: Path) -> str | None:
    """The cause of a failed write in words, or None when `exc` is not a write error."""
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    if isinstance(exc, RuntimeError) and any(s in str(exc) for s in _TORCH_WRITE_ERRORS):
        free = _free_bytes(directory)
        detail = str(exc).splitlines()[0]
        if free is not None and free < 1 << 20:
            return f"{os.strerror(errno.ENOSPC)} ({free} bytes free; torch: {detail})"
        return f"write failed (torch: {detail})"
    return None


def _free_bytes(directory: Path) -> int | None:
    try:
        return shutil.disk_usage(directory).free
    except OSError:
        return None


def _temp_beside(path: Path) -> Path:
    """A new empty temporary file next to `path` (same filesystem, so os.replace is atomic);
    a failure to create it is a WriteError naming `path`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise WriteError(f"{path}: cannot write: {_cause(exc, path.parent)}") from exc
    return Path(tmp)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; move it into place only on success.

    On failure the temporary file is removed and `path` keeps its previous content; a write
    error (OSError, torch's zip-writer error) becomes a WriteError naming `path`.
    """
    path = Path(path)
    tmp = _temp_beside(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        cause = None if isinstance(exc, WriteError) else _cause(exc, path.parent)
        if cause is not None:
            raise WriteError(f"{path}: cannot write: {cause}") from exc
        raise


@contextmanager
def staged() -> Iterator[Callable[[str | Path], Path]]:
    """All-or-nothing writing of several files: yield `stage(path)`, a temporary path next to
    `path` to write instead; only when every staged file is complete are they moved into place,
    in the order staged (so stage a manifest last). On any failure none is moved: the previous
    outputs all stay, the temporary files go."""
    temps: dict[Path, Path] = {}

    def stage(path: str | Path) -> Path:
        path = Path(path)
        temps[path] = _temp_beside(path)
        return temps[path]

    try:
        yield stage
        for path, tmp in temps.items():
            os.replace(tmp, path)
    except BaseException:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        raise


def sha256(path: str | Path) -> str:
    """The file's SHA-256, hex (what `sha256sum` prints)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256sums(folder: str | Path, files: list[Path]) -> str:
    """`files` (under `folder`) in `sha256sum` format, sorted: `cd folder && sha256sum -c` checks them."""
    folder = Path(folder)
    return "".join(f"{sha256(f)}  {Path(f).relative_to(folder).as_posix()}\n" for f in sorted(map(Path, files)))


def read_sha256sums(path: str | Path) -> dict[str, str]:
    """A `sha256sum` file as {relative path: hex digest}; ValueError naming the line if malformed."""
    sums = {}
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"{path}: line {number}: not `<sha256>  <path>`")
        sums[name] = digest
    return sums


def check_writable(directory: str | Path, need_bytes: int = 0) -> None:
    """Fail early (WriteError naming `directory`) unless a file can be created in it and its
    file system has `need_bytes` free: a run learns it cannot save before it spends hours.
    Creates nothing: a directory not made yet is checked through its nearest existing parent."""
    directory = Path(directory)
    existing = next((d for d in (directory, *directory.parents) if d.is_dir()), Path("."))
    try:
        fd, probe = tempfile.mkstemp(prefix=".write-check.", suffix=".tmp", dir=existing)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise WriteError(f"{directory}: cannot write: {_cause(exc, existing)}") from exc
    free = _free_bytes(existing)
    if free is not None and free < need_bytes:
        raise WriteError(f"{directory}: {os.strerror(errno.ENOSPC)}: {free:,} bytes free, "
                         f"{need_bytes:,} needed (a checkpoint and the logs)")


CSV_FLOAT_FORMAT = "%.6g"


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a tidy CSV atomically, with a fixed float format for stable bytes."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")


def as_written(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its float columns rounded as write_csv writes them. A report rendered from
    this copy shows the numbers a reader of the CSV gets: otherwise a value such as -4.2749996
    reads -4.27 in the report and -4.28 once read back from its CSV's -4.275."""
    out = frame.copy()
    for col in out.columns[[pd.api.types.is_float_dtype(t) for t in out.dtypes]]:
        out[col] = out[col].map(lambda x: float(CSV_FLOAT_FORMAT % x))
    return out


def write_json(obj: Any, path: str | Path) -> None:
    """Write JSON atomically with sorted keys, so equal content gives equal bytes."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def write_text(text: str, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)
