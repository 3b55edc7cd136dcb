"""A compiled form of a checklist, so that each command need not re-validate YAML.

``load_cached(path)`` hashes the file's bytes and returns the pickled model
stored under that hash when one exists; otherwise it runs the full loader
and stores the result. The key also covers the engine's own source, so a
new version of rectify never reads an old model. The cache lives in
``$RECTIFY_CACHE_DIR``, else ``$XDG_CACHE_HOME/rectify``, else
``~/.cache/rectify``: a directory of the user's own (pickle is only read
from there). When it cannot be written, the checklist is simply loaded.
Writing an entry removes those unread for 30 days.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import time
from dataclasses import replace
from functools import lru_cache
from typing import Optional

from engine.checklist.resources import data_dir, read_bytes
from engine.model import Checklist

_ENGINE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # os.path: see resources


def cache_dir() -> str:
    explicit = os.environ.get("RECTIFY_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "rectify")


@lru_cache(maxsize=1)
def _code_key() -> str:
    """Every engine source file and the schema, by name, size and modification time (what Python's
    own bytecode cache trusts): any change of the engine misses the cache. Hashing their 400 KB
    instead took 2.4 ms of every command."""
    digest = hashlib.sha256()
    for path in [*_sources(_ENGINE), os.path.join(data_dir("schemas"), "checklist.schema.json")]:
        info = os.stat(path)
        digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _sources(folder: str) -> list[str]:
    """The .py files under ``folder``, in a stable order."""
    found = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.is_dir():
            found += _sources(entry.path)
        elif entry.name.endswith(".py"):
            found.append(entry.path)
    return found


def load_cached(path: str) -> Checklist:
    return load_bytes_cached(path, read_bytes(path))


def load_bytes_cached(name: str, data: bytes) -> Checklist:
    """The checklist of ``data``, read from ``name`` (a file, or a version kept in the journal).

    A cache hit imports no loader: YAML, the schema and the validator are for a miss only."""
    key = f"{hashlib.sha256(data).hexdigest()}-{_code_key()}.pickle"
    cached = _read(os.path.join(cache_dir(), key))
    if cached is not None:
        return replace(cached, path=name, file_bytes=data)

    from engine.checklist.load import load_checklist_bytes

    checklist = load_checklist_bytes(name, data)
    _write(os.path.join(cache_dir(), key), replace(checklist, file_bytes=b""))  # the bytes are on disk already
    return checklist


def private_dir(folder: str) -> bool:
    """True when ``folder`` is the user's own: a real directory (not a symlink) owned by this user
    and writable by nobody else. A pickle runs code when read: one planted by someone else must
    never be. A missing folder is made that way (0700)."""
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022


def _read(file: str) -> Optional[Checklist]:
    """The cached model, or None: a missing, foreign or corrupted entry is ignored (and rebuilt)."""
    if not private_dir(os.path.dirname(file)):
        return None
    try:
        with open(file, "rb") as f:
            if os.fstat(f.fileno()).st_uid != os.getuid():
                return None
            value = pickle.load(f)
    except Exception:  # noqa: BLE001 - any broken pickle (ValueError, KeyError, MemoryError...) is a miss
        return None
    return value if isinstance(value, Checklist) else None


def _write(file: str, checklist: Checklist) -> None:
    folder = os.path.dirname(file)
    if not private_dir(folder):
        return  # no cache: every command loads the YAML, correct but slower
    import tempfile  # a miss only: ~9 ms of every command's start if imported above

    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(checklist, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, file)
    except OSError:
        pass  # no cache: every command loads the YAML, correct but slower
    _forget_unused(folder)


UNUSED_DAYS = 30


def _forget_unused(folder: str) -> None:
    """Remove the entries nobody has read for UNUSED_DAYS: every edit of a checklist and every
    new version of rectify makes a new entry (a province's is 1.8 MB), and the old ones would
    stay forever. Read times come from the file system (updated at most daily under the usual
    ``relatime``; never under ``noatime``, where the time written counts): an entry removed
    while still wanted is only a miss, rebuilt once."""
    oldest = time.time() - UNUSED_DAYS * 86400
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
            if entry.name.endswith(".pickle") and max(info.st_atime, info.st_mtime) < oldest:
                os.unlink(entry.path)
        except OSError:
            continue  # gone already, or not ours to remove: the next miss tries again
