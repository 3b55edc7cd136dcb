"""The compiled-checklist cache: hit without re-validating, miss on any change, never wrong."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from checklist_cases import FROZEN

import engine.checklist.load
from engine.checklist import cache
from engine.checklist.cache import cache_dir, load_cached
from engine.errors import ChecklistError


@pytest.fixture
def checklist_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RECTIFY_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "shuanggao-2026.yaml"
    shutil.copy(FROZEN, path)
    return path


def forbid_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> None:
        raise AssertionError("the YAML was loaded again although the cache holds it")

    monkeypatch.setattr(engine.checklist.load, "load_checklist_bytes", refuse)


def test_a_second_load_comes_from_the_cache(checklist_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_cached(str(checklist_file))
    assert len(list(Path(cache_dir()).glob("*.pickle"))) == 1
    forbid_loading(monkeypatch)
    second = load_cached(str(checklist_file))
    assert second == first and second.sha256 == first.sha256
    assert second.path == str(checklist_file)


def test_an_edit_is_a_miss_and_is_seen(checklist_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_cached(str(checklist_file))
    text = checklist_file.read_text(encoding="utf-8").replace("warning_days: 3", "warning_days: 5")
    checklist_file.write_text(text, encoding="utf-8")
    assert load_cached(str(checklist_file)).warning_days == 5
    assert len(list(Path(cache_dir()).glob("*.pickle"))) == 2


def test_the_same_bytes_elsewhere_share_the_entry_but_keep_their_path(
    checklist_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_cached(str(checklist_file))
    copy = tmp_path / "copy.yaml"
    shutil.copy(checklist_file, copy)
    forbid_loading(monkeypatch)
    assert load_cached(str(copy)).path == str(copy)


def test_an_invalid_checklist_is_never_cached(checklist_file: Path) -> None:
    checklist_file.write_text(
        checklist_file.read_text(encoding="utf-8").replace("format: rectify/1", "format: x"), encoding="utf-8"
    )
    for _attempt in range(2):
        with pytest.raises(ChecklistError):
            load_cached(str(checklist_file))
    assert not Path(cache_dir()).exists() or not list(Path(cache_dir()).glob("*.pickle"))


def test_a_corrupt_entry_is_ignored(checklist_file: Path) -> None:
    expected = load_cached(str(checklist_file))
    (entry,) = Path(cache_dir()).glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert load_cached(str(checklist_file)) == expected


def test_an_unwritable_cache_still_loads(checklist_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setenv("RECTIFY_CACHE_DIR", str(blocker / "cache"))
    assert load_cached(str(checklist_file)).id == "shuanggao-2026"


def test_the_code_key_follows_every_engine_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A changed engine misses the cache: any source file touched (its mtime), resized or added."""
    engine = tmp_path / "engine"
    shutil.copytree(cache._ENGINE, engine, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "_ENGINE", engine)
    key = cache._code_key.__wrapped__()
    assert cache._code_key.__wrapped__() == key

    rules = engine / "workflow" / "rules.py"
    os.utime(rules, ns=(rules.stat().st_atime_ns, rules.stat().st_mtime_ns + 1))
    touched = cache._code_key.__wrapped__()
    with (engine / "model.py").open("a", encoding="utf-8") as f:
        f.write("\n")
    grown = cache._code_key.__wrapped__()
    (engine / "formats" / "new_format.py").write_text("", encoding="utf-8")
    added = cache._code_key.__wrapped__()
    assert len({key, touched, grown, added}) == 4


def test_a_new_entry_removes_those_unread_for_a_month(checklist_file: Path) -> None:
    folder = Path(cache_dir())
    folder.mkdir(mode=0o700, parents=True)
    month_ago = time.time() - (cache.UNUSED_DAYS + 1) * 86400
    stale, recent, other = folder / "old-version.pickle", folder / "read-last-week.pickle", folder / "notes.txt"
    for path in (stale, recent, other):
        path.write_bytes(b"x")
        os.utime(path, (month_ago, month_ago))
    os.utime(recent, (time.time() - 7 * 86400, month_ago))  # read a week ago, written long before
    load_cached(str(checklist_file))  # a miss: writes its entry
    left = sorted(p.name for p in folder.iterdir())
    assert stale.name not in left and recent.name in left and other.name in left
    assert len([name for name in left if name.endswith(".pickle")]) == 2  # the new entry and the recent one
