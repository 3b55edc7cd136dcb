"""A 督办单 (supervision notice) as a record, its wording, and its html rendering.

A 督办单 is a Chinese official document whatever the interface language, so
its wording is Chinese here, in one place (``paragraphs``) that both the
.docx (engine.formats.docx) and the .html renderings read.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Optional

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """Control and bidi characters shown as escapes: data, never layout (and never bad XML)."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@dataclass(frozen=True)
class Notice:
    """What a 督办单 says: its number, addressee, duty, state and what is still lacking."""

    number: str  # 区教督〔2026〕3号
    year: int
    n: int
    item: str
    unit_name: str  # addressee (主送机关)
    duty_title: str
    ref: str  # the clause of the source document (序号)
    checklist_title: str
    source: str  # the feedback document the checklist answers
    state_label: str
    lacks: tuple[str, ...]  # what explain says is still missing
    deadline: dt.date  # in force (after any extension)
    original_deadline: dt.date
    returns: int
    overdue_days: int
    level: str
    level_label: str  # 黄色督办
    action: Optional[str]  # 约谈
    issuer: str
    issued_on: dt.date


def chinese_date(day: dt.date) -> str:
    """Arabic numerals, no leading zeros (GB/T 9704-2012 §7.3.5.1): 2026年12月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def title(notice: Notice) -> str:
    return f"关于督促{notice.unit_name}落实“{notice.duty_title}”整改任务的{notice.level_label}单"


def paragraphs(notice: Notice) -> list[str]:
    """The body, one string per paragraph (headings of the numbered parts included)."""
    clause = f"第{notice.ref}项" if notice.ref else ""
    source = f"（{notice.source}）" if notice.source else ""
    why = []
    if notice.returns:
        why.append(f"已被退回整改{notice.returns}次")
    if notice.overdue_days:
        why.append(f"已逾期{notice.overdue_days}个工作日")
    reason = "，".join(why) if why else "尚未完成"
    body = [
        f"根据《{notice.checklist_title}》{source}整改责任表{clause}“{notice.duty_title}”的要求，"
        f"你单位该项整改任务目前处于“{notice.state_label}”状态，{reason}。"
        f"经研究，现列为{notice.level_label}事项，请高度重视，抓紧落实。",
        "一、尚缺事项",
    ]
    lacks = notice.lacks or ("请按整改责任表要求完成整改并申报销号。",)
    body += [f"{i}. {text}" for i, text in enumerate(lacks, 1)]
    extended = (
        ""
        if notice.deadline == notice.original_deadline
        else (f"（原时限{chinese_date(notice.original_deadline)}，已批准延期）")
    )
    body += [
        "二、整改时限",
        f"请于{chinese_date(notice.deadline)}前完成整改{extended}，并将整改落实情况书面报送{notice.issuer}。",
    ]
    if notice.action:
        body += ["三、督办措施", f"对该事项单位负责人进行{notice.action}。"]
    return body


_CSS = """
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
body { font-family: "仿宋_GB2312", "FangSong", "Noto Serif CJK SC", serif; font-size: 16pt;
       line-height: 28.95pt; width: 156mm; margin: 0 auto; }
h1 { font-family: "方正小标宋简体", "Noto Serif CJK SC", serif; font-size: 22pt; font-weight: normal;
     text-align: center; line-height: 1.4; margin: 28.95pt 0; }
.number { text-align: center; margin: 0; }
.rule { border: none; border-top: 1px solid #c00; margin: 4pt 0 0; }
p { margin: 0; text-indent: 2em; }
p.addressee, p.sign { text-indent: 0; }
p.sign { text-align: right; padding-right: 4em; }
"""


def notice_html(notice: Notice) -> bytes:
    """A standalone A4 page; every piece of text escaped."""

    def esc(text: str) -> str:
        return html.escape(visible(text))

    body = "\n".join(f"<p>{esc(text)}</p>" for text in paragraphs(notice))
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{esc(notice.number)}</title>
<style>{_CSS}</style></head><body>
<p class="number">{esc(notice.number)}</p><hr class="rule">
<h1>{esc(title(notice))}</h1>
<p class="addressee">{esc(notice.unit_name)}：</p>
{body}
<p class="sign">{esc(notice.issuer)}</p>
<p class="sign">{esc(chinese_date(notice.issued_on))}</p>
</body></html>
"""
    return page.encode("utf-8")
