"""Evidence files out of the store: export under their names, and check every stored digest."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from engine.errors import RectifyError, StoreError
from engine.i18n import _
from engine.journal.evidence import BLOCK, sha256_of
from engine.journal.store import Reader


def export_evidence(reader: Reader, files: Iterable[tuple[str, str]], folder: str) -> list[str]:
    """Copy (sha256, original name) files into ``folder``; a name taken by other bytes gets ``(2)``.

    The same bytes are written once; an existing file in the folder is never overwritten.
    """
    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RectifyError(_("{path}: cannot write: {reason}").format(path=folder, reason=e.strerror or e)) from e
    written: dict[str, str] = {}
    for sha256, name in files:
        if sha256 in written:
            continue
        path = _free_name(target, os.path.basename(name.replace("\\", "/")) or sha256)
        try:
            with reader.open_file(sha256) as source, open(path, "xb") as out:
                digest = hashlib.sha256()
                for block in iter(lambda: source.read(BLOCK), b""):
                    digest.update(block)
                    out.write(block)
        except OSError as e:
            raise RectifyError(_("{path}: cannot write: {reason}").format(path=path, reason=e.strerror or e)) from e
        if digest.hexdigest() != sha256:
            raise StoreError(
                _("stored file {digest} does not match its digest: run audit --files").format(digest=sha256)
            )
        written[sha256] = str(path)
    return list(written.values())


def _free_name(folder: Path, name: str) -> Path:
    stem, suffix = os.path.splitext(name)
    path, n = folder / name, 1
    while path.exists():
        n += 1
        path = folder / f"{stem}({n}){suffix}"
    return path


def check_files(reader: Reader) -> tuple[int, list[str]]:
    """Hash every stored file and every file an event names: (files checked, problems)."""
    problems: list[str] = []
    checked = 0
    named = {e.data["sha256"]: e.seq for e in reader.events() if isinstance(e.data.get("sha256"), str)}
    stored = set()
    for stored_file in reader.stored_files():
        stored.add(stored_file.sha256)
        checked += 1
        with reader.open_file(stored_file.sha256) as f:
            digest, _size = sha256_of(f)
        if digest != stored_file.sha256:
            problems.append(
                _("evidence file {digest}: its bytes changed (they hash to {actual})").format(
                    digest=stored_file.sha256, actual=digest
                )
            )
    for sha256, seq in sorted(named.items(), key=lambda pair: pair[1]):
        if sha256 not in stored:
            problems.append(
                _("position {seq}: evidence file {digest} is missing from the store").format(seq=seq, digest=sha256)
            )
    return checked, problems
