"""Write next year's checklist (``rollover``): the carried sections as the author wrote them.

Units, groups, people, workflows, the calendar and the office's settings are
copied as text, comments included, from this year's file: they still apply.
The ``checklist`` block and the duties are written anew; a carried duty keeps
the comments that stood above its source duty. Every string is written as a
JSON string (valid YAML), so no value can change meaning or break the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Optional

from engine.model import Evidence, Indicator

# Top-level sections carried unchanged, in the order they are written.
CARRIED_SECTIONS = (
    "calendar",
    "roles",
    "permissions",
    "escalation",
    "notices",
    "workflows",
    "units",
    "groups",
    "people",
)
CARRIED_MARKS = ("carried from", "连续未销号")
_TOP_KEY = re.compile(r"([A-Za-z_][\w-]*)\s*:")
_DUTY_START = re.compile(r"\s*-\s*(?:\{\s*)?id\s*:\s*['\"]?([a-z0-9][a-z0-9_-]*)")


@dataclass(frozen=True)
class NextChecklist:
    """The head of next year's checklist: its id, title, deadline and the one it follows."""

    id: str
    title: str
    deadline: str
    previous: str
    source: Optional[str] = None
    warning_days: Optional[int] = None


@dataclass(frozen=True)
class CarriedDuty:
    """A duty of one unit carried into next year's checklist, with what it came from."""

    id: str
    title: str
    owner: str  # unit id
    workflow: str
    carried_from: tuple[str, ...]
    description: Optional[str] = None
    ref: Optional[str] = None
    veto: bool = False
    evidence: tuple[Evidence, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    comments: tuple[str, ...] = ()  # comment lines that stood above the source duty
    support: tuple[str, ...] = ()  # 配合单位 (unit ids)
    state_label: str = ""

    @property
    def open_two_years(self) -> bool:
        """连续未销号: carried at least twice."""
        return len(self.carried_from) >= 2


def sections(text: str) -> dict[str, list[str]]:
    """Top-level key -> its lines, with the comment lines just above the key."""
    found: dict[str, list[str]] = {}
    current: Optional[list[str]] = None
    pending: list[str] = []
    for line in text.splitlines():
        key = _TOP_KEY.match(line)
        if key:
            current = found.setdefault(key.group(1), [])
            current.extend(_trim_blank(pending))
            current.append(line)
            pending = []
        elif not line.strip() or line.lstrip().startswith("#"):
            pending.append(line)
        elif current is not None:
            current.extend(pending)
            current.append(line)
            pending = []
    return found


def duty_comments(duties_lines: list[str]) -> dict[str, tuple[str, ...]]:
    """Duty id -> the comment lines standing right above its entry in the duties section."""
    comments: dict[str, tuple[str, ...]] = {}
    pending: list[str] = []
    for line in duties_lines[1:]:
        stripped = line.strip()
        if stripped.startswith("#"):
            if not stripped.lstrip("# ").startswith(CARRIED_MARKS):  # rewritten for each year
                pending.append(stripped)
            continue
        start = _DUTY_START.match(line)
        if start:
            comments.setdefault(start.group(1), tuple(pending))
        pending = []
    return comments


def _trim_blank(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    return lines


def render_next(source_text: str, header: list[str], meta: NextChecklist, duties: list[CarriedDuty]) -> str:
    carried = sections(source_text)
    out = [f"# {line}" if line else "#" for line in header] + ["", "format: rectify/1", "", "checklist:"]
    out += [f"  id: {meta.id}", f"  title: {_s(meta.title)}"]
    if meta.source:
        out.append(f"  source: {_s(meta.source)}")
    out += [f"  deadline: {meta.deadline}", f"  previous: {meta.previous}"]
    if meta.warning_days is not None:
        out.append(f"  warning_days: {meta.warning_days}")
    for key in CARRIED_SECTIONS:
        if key in carried:
            out += [""] + carried[key]
    out += ["", "duties:"]
    for duty in duties:
        out += [""] + _duty(duty)
    return "\n".join(out) + "\n"


def _duty(duty: CarriedDuty) -> list[str]:
    lines = [f"  {c}" for c in duty.comments]
    flag = "连续未销号: " if duty.open_two_years else ""
    lines.append(f"  # {flag}carried from {duty.carried_from[-1]} ({duty.state_label})")
    lines += [f"  - id: {duty.id}", f"    title: {_s(duty.title)}"]
    if duty.ref:
        lines.append(f"    ref: {_s(duty.ref)}")
    if duty.description:
        lines.append(f"    description: {_s(duty.description)}")
    lines.append(f"    owners: {{unit: {duty.owner}}}")
    if duty.support:
        lines.append("    support: {units: [" + ", ".join(duty.support) + "]}")
    if duty.workflow != "default":
        lines.append(f"    workflow: {duty.workflow}")
    if duty.veto:
        lines.append("    veto: true")
    lines.append("    carried_from: [" + ", ".join(duty.carried_from) + "]")
    if duty.evidence:
        lines.append("    evidence:")
        lines += [f"      - {_flow(_evidence(e))}" for e in duty.evidence]
    if duty.indicators:
        lines.append("    indicators:")
        lines += [f"      - {_flow(_indicator(i))}" for i in duty.indicators]
    return lines


def _evidence(evidence: Evidence) -> dict[str, Any]:
    fields: dict[str, Any] = {"id": evidence.id, "name": evidence.name}
    optional = {
        "copies": evidence.copies,
        "description": evidence.description,
        "file": evidence.file or None,
        "optional": evidence.optional or None,
    }
    return {**fields, **{k: v for k, v in optional.items() if v is not None}}


def _indicator(indicator: Indicator) -> dict[str, Any]:
    fields: dict[str, Any] = {"id": indicator.id, "name": indicator.name}
    optional = {
        "unit": indicator.unit or None,
        "target": str(indicator.target) if indicator.target else None,
        "aim": str(indicator.aim) if indicator.aim else None,
        "veto": indicator.veto or None,
        "min": indicator.min,
        "max": indicator.max,
    }
    return {**fields, **{k: v for k, v in optional.items() if v is not None}}


def _flow(fields: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{key}: {_value(key, value)}" for key, value in fields.items()) + "}"


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return value if key == "id" else _s(value)


def _s(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are YAML): the text exactly, whatever it holds."""
    return json.dumps(text, ensure_ascii=False)
