"""Compile the .po message catalogs to .mo files: ``python -m engine.msgfmt``.

A tiny msgfmt (GNU gettext is not needed to build or install rectify). It
reads the subset of the .po format that the catalogs use: msgid/msgstr with
continued string lines and ``#`` comments; fuzzy entries are skipped.
"""
from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

from engine.i18n import DOMAIN, LOCALE_DIR


def parse_po(text: str) -> dict[str, str]:
    messages: dict[str, str] = {}
    msgid: list[str] = []
    msgstr: list[str] = []
    current: list[str] | None = None
    fuzzy = next_fuzzy = False  # a "#, fuzzy" line flags the entry that follows it

    def flush() -> None:
        nonlocal fuzzy
        if current is not None and not fuzzy and "".join(msgstr):
            messages["".join(msgid)] = "".join(msgstr)
        fuzzy = False

    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#,") and "fuzzy" in line:
            next_fuzzy = True
        elif line.startswith("msgid "):
            flush()
            fuzzy, next_fuzzy = next_fuzzy, False
            msgid, msgstr = [ast.literal_eval(line[6:])], []
            current = msgid
        elif line.startswith("msgstr "):
            msgstr = [ast.literal_eval(line[7:])]
            current = msgstr
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
    flush()
    return messages


def mo_bytes(messages: dict[str, str]) -> bytes:
    """The GNU .mo layout: header, two offset tables, then the strings."""
    keys = sorted(messages)
    ids = [k.encode() for k in keys]
    strs = [messages[k].encode() for k in keys]
    header_size = 7 * 4
    table_size = len(keys) * 8
    ids_start = header_size + 2 * table_size
    offsets: list[int] = []
    blob = b""
    for chunk in ids + strs:
        offsets += [len(chunk), ids_start + len(blob)]
        blob += chunk + b"\0"
    id_table, str_table = offsets[: 2 * len(keys)], offsets[2 * len(keys):]
    header = struct.pack("<7I", 0x950412DE, 0, len(keys), header_size,
                         header_size + table_size, 0, 0)
    return header + struct.pack(f"<{len(id_table)}I", *id_table) + \
        struct.pack(f"<{len(str_table)}I", *str_table) + blob


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    written = []
    for po in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        mo.write_bytes(mo_bytes(parse_po(po.read_text(encoding="utf-8"))))
        written.append(mo)
    return written


if __name__ == "__main__":
    for path in compile_all():
        print(path, file=sys.stderr)
