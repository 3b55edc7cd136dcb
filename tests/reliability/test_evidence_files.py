"""Evidence files from hostile or careless sources (issue 6 items 6 and 8).

- ``attach --file /dev/zero`` or a FIFO hung the command, even for someone not allowed to
  attach (the file was hashed before the permission check): now refused at once.
- A file rewritten while it was hashed was recorded with a digest matching neither version:
  now the bytes are copied into the evidence store and the digest is the stored bytes'.
- A file name in GBK bytes (Chinese Windows shares) gave an internal error.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "tests" / "cases" / "valid" / "minimal.yaml"


class Clerk:
    def __init__(self, tmp_path: Path):
        self.dir = tmp_path
        self.checklist = tmp_path / "minimal.yaml"
        shutil.copy(MINIMAL, self.checklist)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("RECTIFY_")}
        self.env.update(RECTIFY_CACHE_DIR=str(tmp_path / "cache"), RECTIFY_LANG="en")

    def run(self, *args: str | bytes, actor: str = "li", timeout: float = 60) -> subprocess.CompletedProcess:
        argv = [sys.executable, str(REPO / "cli.py"), "-c", str(self.checklist), "--as", actor, *args]
        return subprocess.run(argv, env=self.env, capture_output=True, timeout=timeout)

    def events(self, item: str) -> list[dict]:
        result = self.run("history", item, "--format", "json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture
def clerk(tmp_path: Path) -> Clerk:
    clerk = Clerk(tmp_path)
    clerk.run("init")  # the journal is made by init where that command exists
    return clerk


@pytest.mark.parametrize("actor", ["li", "wang"])  # li may not attach to xihe's item; wang may
def test_a_device_is_refused_at_once(clerk, actor):
    started = time.monotonic()
    result = clerk.run("attach", "xihe/kongchuo", "proof", "--file", "/dev/zero", actor=actor, timeout=20)
    assert result.returncode == 1, result.stderr
    assert time.monotonic() - started < 15
    assert b"Traceback" not in result.stderr
    if actor == "li":
        assert b"may attach evidence on this item" in result.stderr  # refused on permission, before any read
    else:
        assert b"not a regular file" in result.stderr


def test_a_fifo_is_refused_at_once(clerk, tmp_path):
    fifo = tmp_path / "materials.pdf"
    os.mkfifo(fifo)
    result = clerk.run("attach", "dongshan/kongchuo", "proof", "--file", str(fifo), timeout=20)
    assert result.returncode == 1
    assert b"not a regular file" in result.stderr
    assert clerk.events("dongshan/kongchuo") == []


def test_the_recorded_digest_is_the_stored_bytes_digest_while_the_file_is_rewritten(clerk, tmp_path):
    path = tmp_path / "proof.pdf"
    versions = [b"A" * (8 << 20), b"B" * (5 << 20)]
    path.write_bytes(versions[0])
    stop = threading.Event()

    def rewrite() -> None:  # an editor saving the file again and again, in place
        n = 0
        while not stop.is_set():
            with open(path, "r+b") as f:
                f.write(versions[n % 2])
                f.truncate()
            n += 1

    writer = threading.Thread(target=rewrite)
    writer.start()
    try:
        for _ in range(3):
            result = clerk.run("attach", "dongshan/kongchuo", "proof", "--file", str(path))
            assert result.returncode == 0, result.stderr
    finally:
        stop.set()
        writer.join()
    store = tmp_path / "minimal.evidence"
    for event in clerk.events("dongshan/kongchuo"):
        digest = event["data"]["sha256"] if "data" in event else event["sha256"]
        blob = (store / digest[:2] / digest[2:]).read_bytes()
        assert hashlib.sha256(blob).hexdigest() == digest


def test_a_gbk_named_file_is_attached_under_its_chinese_name(clerk, tmp_path):
    name = "取证证明.pdf".encode("gbk")
    path = os.path.join(os.fsencode(tmp_path), name)
    with open(path, "wb") as f:
        f.write(b"%PDF-1.4 proof")
    result = clerk.run("attach", "dongshan/kongchuo", "proof", "--file", path)
    assert result.returncode == 0, result.stderr
    (event,) = clerk.events("dongshan/kongchuo")
    data = event.get("data", event)
    assert data["file"] == "取证证明.pdf"
    assert data["sha256"] == hashlib.sha256(b"%PDF-1.4 proof").hexdigest()
