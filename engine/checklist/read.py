"""The strict YAML reader: bytes -> plain values, each with its line and column.

This is the only module that touches PyYAML. It reads the event stream of
libyaml's parser (the C composer recurses and crashes on deep nesting) and
builds values itself, iteratively, so that it can refuse what a checklist
never needs: duplicate keys, explicit tags, complex keys, several documents,
alias expansion past a bound, nesting past a depth. Scalars stay the text the
author typed; only values of the few keys that the format types as numbers or
booleans are resolved, by the YAML 1.2 core rules (``no`` stays "no").
"""

from __future__ import annotations

import math
import re
from typing import Any, Optional

import yaml

from engine.errors import Problem
from engine.i18n import _

MAX_DEPTH = 64
MAX_NODES = 2_000_000
#: Nodes that aliases may add by reference. A checklist hardly needs aliases;
#: an 8 KB file of nested aliases can otherwise expand to 400,000 nodes that
#: the JSON Schema check then walks one by one.
MAX_ALIAS_NODES = 10_000

#: Keys whose plain scalar values are numbers or booleans in rectify/1: the keys the schema
#: types so (engine.checklist.schema.typed_keys; a test holds the two equal).
TYPED_KEYS = frozenset(
    {
        "copies",
        "file",
        "final",
        "max",
        "min",
        "note",
        "optional",
        "overdue_days",
        "return",
        "returns",
        "sample",
        "veto",
        "warning_days",
    }
)
ALLOWED_TAGS = frozenset({None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})

Mark = tuple[int, int]  # line, column; both from 1

_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULL = frozenset({"~", "null", "Null", "NULL", ""})


class YamlProblem(Exception):
    """A fatal problem: the rest of the stream cannot be trusted."""

    def __init__(self, mark: Mark, message: str):
        super().__init__(message)
        self.mark = mark
        self.message = message


class YMap(dict):
    """A mapping that remembers where it, its keys and its values stand."""

    __slots__ = ("mark", "key_marks", "value_marks")

    def __init__(self, mark: Mark):
        super().__init__()
        self.mark = mark
        self.key_marks: dict[str, Mark] = {}
        self.value_marks: dict[str, Mark] = {}


class YSeq(list):
    """A sequence that remembers where it and its entries stand."""

    __slots__ = ("mark", "item_marks")

    def __init__(self, mark: Mark):
        super().__init__()
        self.mark = mark
        self.item_marks: list[Mark] = []


def read_yaml(data: bytes) -> tuple[Any, list[Problem]]:
    """Read one YAML document; return its value and the located problems.

    A fatal problem (bad bytes, bad syntax, a bound exceeded) yields
    ``(None, [problem])``; duplicate keys are collected and reading goes on.
    """
    try:
        text = _decode(data)
        builder = _Builder()
        builder.run(text)
    except YamlProblem as e:
        return None, [Problem(e.mark[0], e.mark[1], e.message)]
    return builder.root, builder.problems


_UTF16_OR_32 = (b"\xff\xfe", b"\xfe\xff")


def _looks_utf16_or_32(data: bytes) -> bool:
    """A BOM of UTF-16/32, or text whose every other byte is NUL (UTF-16 without a BOM)."""
    head = data[:200]
    return data.startswith(_UTF16_OR_32) or (
        len(head) >= 4 and (head[1::2].count(0) * 4 >= len(head) or head[0::2].count(0) * 4 >= len(head))
    )


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if _looks_utf16_or_32(data):
        raise YamlProblem((1, 1), _("the file is UTF-16 or UTF-32 text; save it as UTF-8"))
    if b"\x00" in data:
        raise YamlProblem(
            _mark_of_offset(data, data.index(b"\x00")), _("binary file (a NUL byte): a checklist is UTF-8 text")
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise YamlProblem(
            _mark_of_offset(data, e.start),
            _("the file is not UTF-8 text (byte 0x{byte:02x}); save it as UTF-8").format(byte=data[e.start]),
        ) from None


def _mark_of_offset(data: bytes, offset: int) -> Mark:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def _mark_of_text_offset(text: str, byte_offset: int) -> Mark:
    """Line and column (in characters) of a byte offset into ``text`` encoded as UTF-8."""
    before = text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _mark(event: Any) -> Mark:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


MAX_NUMBER_CHARS = 64


def _resolve_typed(value: str) -> Any:
    """YAML 1.2 core resolution of a plain scalar, for the typed keys only."""
    if value in _NULL:
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value) and math.isfinite(float(value)):
        return float(value)
    return value  # not a number: the schema reports it where a number is expected


class _Frame:
    """An open mapping or sequence while its events arrive."""

    __slots__ = ("value", "is_map", "anchor", "size", "pending_key", "key_mark")

    def __init__(self, value: Any, anchor: Optional[str]):
        self.value = value
        self.is_map = isinstance(value, YMap)
        self.anchor = anchor
        self.size = 1
        self.pending_key: Optional[str] = None
        self.key_mark: Mark = (0, 0)


class _Builder:
    def __init__(self) -> None:
        self.root: Any = None
        self.problems: list[Problem] = []
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.nodes = 0
        self.alias_nodes = 0
        self.documents = 0
        self.have_root = False

    def run(self, text: str) -> None:
        handlers = {
            yaml.ScalarEvent: self.scalar,
            yaml.MappingStartEvent: self.start,
            yaml.SequenceStartEvent: self.start,
            yaml.MappingEndEvent: self.end,
            yaml.SequenceEndEvent: self.end,
            yaml.AliasEvent: self.alias,
            yaml.DocumentStartEvent: self.document,
        }
        try:
            for event in yaml.parse(text, Loader=yaml.CSafeLoader):
                handler = handlers.get(type(event))
                if handler is not None:
                    handler(event)
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            raise YamlProblem(
                where, _("YAML syntax error: {problem}").format(problem=e.problem or e.context or "invalid YAML")
            ) from None
        except yaml.reader.ReaderError as e:  # a byte offset into the UTF-8 text, no line
            raise YamlProblem(
                _mark_of_text_offset(text, e.position),
                _("character #x{code:04x} is not allowed in YAML ({reason})").format(
                    code=e.character if isinstance(e.character, int) else 0, reason=e.reason
                ),
            ) from None
        except yaml.YAMLError as e:
            raise YamlProblem((1, 1), _("YAML error: {error}").format(error=str(e).splitlines()[0])) from None
        if not self.have_root:
            raise YamlProblem((1, 1), _("the file is empty: expected a rectify/1 checklist"))

    def document(self, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            raise YamlProblem(_mark(event), _("a checklist file holds one YAML document; a second one starts here"))

    def count(self, event: Any, size: int) -> None:
        self.nodes += size
        if self.nodes > MAX_NODES:
            message = (
                _("the document expands to more than {limit} nodes (an alias bomb?)")
                if self.alias_nodes
                else _("the document has more than {limit} nodes; split the checklist")
            )
            raise YamlProblem(_mark(event), message.format(limit=MAX_NODES))

    def check_tag(self, event: Any) -> None:
        if event.tag not in ALLOWED_TAGS:
            raise YamlProblem(
                _mark(event), _("explicit YAML tag {tag} is not allowed in a checklist").format(tag=event.tag)
            )

    def scalar(self, event: Any) -> None:
        if event.tag is not None:
            self.check_tag(event)
        self.count(event, 1)
        plain = not event.style and event.tag is None
        value: Any = event.value
        if plain and event.value == "":
            value = None
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.is_map and frame.pending_key is None:
            self.set_key(event, value)
            return
        if plain and frame is not None and frame.pending_key in TYPED_KEYS:
            if len(event.value) > MAX_NUMBER_CHARS:  # int() refuses 4,301+ digits; no count is that big
                raise YamlProblem(
                    _mark(event),
                    _("{key}: a number of {n} characters is too large").format(
                        key=frame.pending_key, n=len(event.value)
                    ),
                )
            value = _resolve_typed(event.value)
        if event.anchor:
            self.anchors[event.anchor] = (value, 1)
        self.add(value, _mark(event), 1)

    def set_key(self, event: Any, key: Any) -> None:
        frame = self.stack[-1]
        mark = _mark(event)
        key = "" if key is None else str(key)
        mapping: YMap = frame.value
        if key in mapping.key_marks:
            first = mapping.key_marks[key]
            self.problems.append(
                Problem(
                    mark[0], mark[1], _("duplicate key {key!r} (first at line {line})").format(key=key, line=first[0])
                )
            )
            frame.pending_key = "\0duplicate"
        else:
            frame.pending_key = key
        frame.key_mark = mark

    def start(self, event: Any) -> None:
        is_mapping = type(event) is yaml.MappingStartEvent
        self.check_tag(event)
        self.count(event, 1)
        parent = self.stack[-1] if self.stack else None
        if parent is not None and parent.is_map and parent.pending_key is None:
            raise YamlProblem(
                _mark(event),
                _("a mapping key must be plain text, not a {kind}").format(
                    kind=_("mapping") if is_mapping else _("sequence")
                ),
            )
        if len(self.stack) >= MAX_DEPTH:
            raise YamlProblem(_mark(event), _("nesting deeper than {limit} levels").format(limit=MAX_DEPTH))
        value = YMap(_mark(event)) if is_mapping else YSeq(_mark(event))
        if event.anchor:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Frame(value, event.anchor))

    def end(self, event: Any) -> None:
        frame = self.stack.pop()
        if frame.anchor:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (frame.value, frame.size)
        self.add(frame.value, frame.value.mark, frame.size)

    def alias(self, event: Any) -> None:
        name = event.anchor
        if name in self.open_anchors:
            raise YamlProblem(_mark(event), _("alias *{name} refers to itself").format(name=name))
        if name not in self.anchors:
            raise YamlProblem(_mark(event), _("unknown alias *{name}").format(name=name))
        value, size = self.anchors[name]
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.is_map and frame.pending_key is None:
            if isinstance(value, (YMap, YSeq)):
                raise YamlProblem(_mark(event), _("a mapping key must be plain text, not an alias to a collection"))
            self.set_key(event, value)
            return
        self.count(event, size)
        self.alias_nodes += size
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise YamlProblem(
                _mark(event),
                _("aliases expand to more than {limit} nodes (an alias bomb?)").format(limit=MAX_ALIAS_NODES),
            )
        self.add(value, _mark(event), size)

    def add(self, value: Any, mark: Mark, size: int) -> None:
        if not self.stack:
            self.root = value
            self.have_root = True
            return
        frame = self.stack[-1]
        frame.size += size
        container = frame.value
        if not frame.is_map:
            container.append(value)
            container.item_marks.append(mark)
            return
        key = frame.pending_key
        frame.pending_key = None
        if key == "\0duplicate":
            return
        if not isinstance(key, str):
            key = str(key)
        container[key] = value
        container.key_marks[key] = frame.key_mark
        container.value_marks[key] = mark
