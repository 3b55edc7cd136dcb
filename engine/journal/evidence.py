"""The evidence store on disk: files kept by their sha256 beside the journal.

``NAME.db`` keeps its files in ``NAME.evidence/ab/cdef…`` (the first two hex
digits name a folder, the other 62 the file). A file is copied in and hashed
in the same pass, so the digest recorded in the journal is the digest of the
bytes stored, even if the original is rewritten meanwhile. Only regular
files are taken, checked on the opened descriptor, so a FIFO or a device
(``/dev/zero``) is refused at once instead of hanging the command.

Blobs are written before the event that names them commits: a refused or
rolled-back step can leave an orphan blob, which nothing names and which is
harmless (a later attach of the same bytes reuses it).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from engine.errors import Refused, StoreError
from engine.i18n import _

BLOCK = 1 << 20
SHA256_HEX = re.compile(r"[0-9a-f]{64}\Z")


@dataclass(frozen=True)
class StoredFile:
    """A file in the evidence store: its digest and size in bytes."""

    sha256: str
    size: int


def display_name(path: str | os.PathLike[str]) -> str:
    """A file's base name as text: UTF-8, else GB18030 (names from Chinese Windows shares)."""
    raw = os.fsencode(os.path.basename(os.fspath(path)))
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def open_regular(path: str | os.PathLike[str]) -> int:
    """Open ``path`` for reading without blocking, and only if it is a regular file."""
    name = display_name(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise Refused([_("{file}: cannot read the file: {reason}").format(file=name, reason=e.strerror or e)]) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise Refused([_("{file}: not a regular file (a folder, device or pipe cannot be evidence)").format(file=name)])
    return fd


def sha256_of(stream: BinaryIO) -> tuple[str, int]:
    """The digest and size of what ``stream`` yields from where it stands."""
    digest, size = hashlib.sha256(), 0
    for block in iter(lambda: stream.read(BLOCK), b""):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


class EvidenceFolder:
    """Content-addressed files in one folder; the SQLite store's evidence store."""

    def __init__(self, root: str):
        self.root = root  # a path (os.path: opening a store imports no pathlib, see checklist.resources)

    def path_of(self, sha256: str) -> str:
        if not SHA256_HEX.match(sha256):
            raise StoreError(_("{digest!r} is not a sha256 digest").format(digest=sha256))
        return os.path.join(self.root, sha256[:2], sha256[2:])

    def put(self, path: str | os.PathLike[str]) -> StoredFile:
        """Copy ``path`` in, hashing the bytes copied; an identical file already stored is kept."""
        import tempfile  # ~9 ms of every command's start if imported above; only attach needs it

        fd = open_regular(path)
        with os.fdopen(fd, "rb") as source:
            try:
                os.makedirs(self.root, exist_ok=True)
                out_fd, temp = tempfile.mkstemp(prefix=".incoming-", dir=self.root)
            except OSError as e:
                raise StoreError(
                    _("{path}: cannot write the evidence store: {reason}").format(
                        path=self.root, reason=e.strerror or e
                    )
                ) from e
            try:
                stored = self._copy(source, out_fd)
                final = self.path_of(stored.sha256)
                if os.path.exists(final):
                    os.unlink(temp)
                else:
                    os.makedirs(os.path.dirname(final), exist_ok=True)
                    os.chmod(temp, 0o444)
                    os.replace(temp, final)
                    _sync_folder(os.path.dirname(final))
            except OSError as e:
                _remove(temp)
                raise StoreError(
                    _("{path}: cannot write the evidence store: {reason}").format(
                        path=self.root, reason=e.strerror or e
                    )
                ) from e
            except BaseException:
                _remove(temp)
                raise
        return stored

    @staticmethod
    def _copy(source: BinaryIO, out_fd: int) -> StoredFile:
        digest, size = hashlib.sha256(), 0
        with os.fdopen(out_fd, "wb") as out:
            for block in iter(lambda: source.read(BLOCK), b""):
                digest.update(block)
                out.write(block)
                size += len(block)
            out.flush()
            os.fsync(out.fileno())
        return StoredFile(digest.hexdigest(), size)

    def open(self, sha256: str) -> BinaryIO:
        try:
            return open(self.path_of(sha256), "rb")
        except OSError as e:
            raise StoreError(
                _("evidence file {digest} is missing from {path}: {reason}").format(
                    digest=sha256, path=self.root, reason=e.strerror or e
                )
            ) from e

    def files(self) -> Iterator[StoredFile]:
        """Every stored file, in digest order (its size as found on disk)."""
        if not os.path.isdir(self.root):
            return
        for folder in sorted(
            (e for e in os.scandir(self.root) if e.is_dir() and len(e.name) == 2), key=lambda e: e.name
        ):
            for blob in sorted(os.scandir(folder.path), key=lambda e: e.name):
                if SHA256_HEX.match(folder.name + blob.name):
                    yield StoredFile(folder.name + blob.name, blob.stat().st_size)


def _sync_folder(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
