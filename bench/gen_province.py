"""Generate a province-scale rectify/1 checklist for benchmarks.

About 100 counties; each has a supervision office (kind ``office``), three
bureaus (kind ``bureau``) and many townships (kind ``township``). Fifteen
duty templates select their owners by kind, so 7,000 units expand to about
93,000 items. The YAML is written by formatting strings, so it is fast and
byte-for-byte reproducible for a given ``--units`` and ``--seed``.

    python bench/gen_province.py -o /tmp/province.yaml --check
"""

from __future__ import annotations

import argparse
import datetime
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

UNITS_PER_COUNTY = 70
BUREAUS = (("edu", "教育局"), ("finance", "财政局"), ("canlian", "残联"))
OFFICE = ("dudao", "政府教育督导室")
SUPERVISORS_PER_COUNTY = 2

ISSUED = datetime.date(2026, 10, 20)
DEADLINE = datetime.date(2026, 12, 15)
EARLY_DEADLINE = datetime.date(2026, 11, 30)

# (character, pinyin) pairs for place names.
PLACE_SYLLABLES = tuple(
    zip(
        "东西南北青山河石桥龙凤安平长乐新华江湖林岭泉溪阳明清金玉宝丰兴盛和太永定广福"
        "寿田松柏梅桃花云峰塘坪冈坝湾庄铺集口源城白黄红双高大小中上下前后沙",
        "dong xi nan bei qing shan he shi qiao long feng an ping chang le xin hua"
        " jiang hu lin ling quan xi yang ming qing jin yu bao feng xing sheng he tai"
        " yong ding guang fu shou tian song bai mei tao hua yun feng tang ping gang"
        " ba wan zhuang pu ji kou yuan cheng bai huang hong shuang gao da xiao zhong"
        " shang xia qian hou sha".split(),
        strict=True,
    )
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIVEN_CHARS = "明华伟芳娟敏静丽强磊军洋勇艳杰涛超秀霞平刚桂英文辉建国红玲峰春燕鹏飞"

# Duty templates: (id, title, owners, veto, deadline, evidence, indicators).
# evidence: (id, name, copies or None); indicators: (id, name, unit, target, veto).
TOWNSHIP = "{kind: township}"
# fmt: off
DUTIES = (
    ("enrolment", "抓组织入学", TOWNSHIP, False, None,
     [("notice", "入学通知存根", None), ("roster", "适龄少儿名册", None)],
     [("promotion_rate", "小学毕业生升学率", "%", ">= 100", False)]),
    ("dropout", "抓控辍保学", TOWNSHIP, True, None,
     [("proof", "在外就读学生取证证明", None), ("report", "书面汇报材料", 6)],
     [("proof_rate", "取证到位率", "%", ">= 100", False),
      ("dropout_rate", "初中辍学率", "%", "<= 0.6", False)]),
    ("disabled-census", "抓残疾少儿普查", TOWNSHIP, True, None,
     [("ledger", "残疾少儿普查台账", None)],
     [("enrol_rate", "残疾少儿入学率", "%", ">= 90", True)]),
    ("preschool", "办好乡镇中心园", TOWNSHIP, False, None,
     [("plan", "中心园建设方案", None)],
     [("gross_rate", "学前三年毛入园率", "%", ">= 85", False)]),
    ("adult-edu", "办好乡镇文技校", TOWNSHIP, False, None,
     [("training", "劳动力技术培训记录", None), ("literacy", "扫盲工作总结", 2)],
     [("trainees", "培训人次", "人次", ">= 100", False)]),
    ("literacy-check", "完成15-24周岁文化程度核实更改", TOWNSHIP, False, EARLY_DEADLINE,
     [("register", "核实更改登记表", None)], []),
    ("household-book", "完善文化户口册", TOWNSHIP, False, None,
     [("books", "文化户口册（三种）", None), ("keeper", "专人管理文件", None)], []),
    ("household-roll", "做好文化户口滚动登录", TOWNSHIP, False, None,
     [("summary", "滚动登录统计汇总表", None), ("pupils", "本地就学学生名册", None)],
     [("roll_rate", "滚动登录完成率", "%", ">= 100", False)]),
    ("proof-collection", "抓取证工作", TOWNSHIP, False, EARLY_DEADLINE,
     [("proofs", "取证证明汇总", None)],
     [("valid_rate", "取证有效率", "%", ">= 95", False)]),
    ("archive", "认真做好资料整理归档", "{group: townships}", False, None,
     [("catalogue", "归档目录", None), ("files", "备查资料", 3)], []),
    ("publicity", "加大义务教育法宣传力度", TOWNSHIP, False, None,
     [("photos", "宣传活动照片", None), ("leaflets", "宣传材料", None)],
     [("events", "宣传活动场次", "场", ">= 4", False)]),
    ("dual-track", "实行双线目标管理责任制", TOWNSHIP, False, EARLY_DEADLINE,
     [("pledge", "目标管理责任书", 2)], []),
    ("school-safety", "加强校园周边安全整治", TOWNSHIP, False, None,
     [("checks", "安全检查记录", None), ("hazards", "隐患整改台账", None),
      ("drills", "应急演练方案", None)],
     [("open_hazards", "未整改安全隐患", "项", "== 0", True)]),
    ("self-review", "报送年度自评整改报告", "{group: townships}", False, None,
     [("review", "自评整改报告", 6)], []),
    ("feedback-fixes", "落实省级验收反馈问题整改", "{kind: bureau}", False, None,
     [("scheme", "整改方案", None), ("progress", "整改落实情况报告", 2)],
     [("fixed_rate", "问题整改完成率", "%", ">= 100", False),
      ("funding", "新增教育投入", "万元", "> 0", False)]),
)
# fmt: on

WORKFLOW_YAML = """\
workflows:
  default:
    initial: pending
    states:
      - id: pending
        label: 待整改
      - id: in_progress
        label: 整改中
      - id: verified
        label: 已销号
        final: true
    transitions:
      - trigger: start
        label: 启动整改
        from: pending
        to: in_progress
        by: [owner, supervisor]
      - trigger: verify
        label: 验收销号
        from: in_progress
        to: verified
        by: [supervisor]
        not_by: [owner]
        requires:
          evidence: all
          indicators: met
          note: true
      - trigger: return
        label: 退回整改
        from: in_progress
        to: in_progress
        by: [supervisor]
        requires:
          note: true
        return: true
      - trigger: reopen
        label: 回头看重开
        from: verified
        to: in_progress
        by: [supervisor]
        requires:
          note: true
"""


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    unit: str
    title: str
    roles: tuple[str, ...] = ()


@dataclass
class Province:
    units: list[Unit] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    county_towns: dict[str, list[str]] = field(default_factory=dict)
    county_names: dict[str, str] = field(default_factory=dict)

    def count(self, kind: str) -> int:
        return sum(1 for unit in self.units if unit.kind == kind)


# -- names -----------------------------------------------------------------


def place_name(rng: random.Random, taken: set[str], prefix: str = "") -> tuple[str, str]:
    """A two-syllable place (Chinese, pinyin id) whose id is not in ``taken``."""
    for attempt in range(1000):
        (c1, p1), (c2, p2) = rng.choice(PLACE_SYLLABLES), rng.choice(PLACE_SYLLABLES)
        # Past a few collisions (huge --units) a number keeps the id unique.
        ident = f"{prefix}{p1}{p2}" + (str(len(taken)) if attempt >= 20 else "")
        if ident not in taken:
            taken.add(ident)
            return c1 + c2, ident
    raise RuntimeError("cannot find a free place name")


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2))))
    return rng.choice(SURNAMES) + given


# -- the province ------------------------------------------------------------


def township_counts(units: int) -> list[int]:
    """Townships per county, so that counties × (4 fixed units) + townships == units."""
    fixed = len(BUREAUS) + 1
    counties = max(1, round(units / UNITS_PER_COUNTY))
    townships = units - fixed * counties
    if townships < counties:
        raise ValueError(f"--units must be at least {fixed + 1}")
    base, extra = divmod(townships, counties)
    return [base + (1 if index < extra else 0) for index in range(counties)]


def add_county(province: Province, rng: random.Random, taken: set[str], towns: int) -> None:
    county_name, county = place_name(rng, taken)
    county_name += "县"
    province.county_names[county] = county_name
    office = Unit(f"{county}-{OFFICE[0]}", county_name + OFFICE[1], "office")
    province.units.append(office)
    for suffix, name in BUREAUS:
        province.units.append(Unit(f"{county}-{suffix}", county_name + name, "bureau"))
    town_taken: set[str] = set()
    members = []
    for _ in range(towns):
        name, ident = place_name(rng, town_taken, prefix=f"{county}-")
        suffix = "镇" if rng.random() < 0.7 else "乡"
        province.units.append(Unit(ident, county_name + name + suffix, "township"))
        members.append(ident)
    province.county_towns[county] = members
    for number in range(1, SUPERVISORS_PER_COUNTY + 1):
        province.people.append(Person(f"{county}-sup{number}", person_name(rng), office.id, "督学", ("supervisor",)))


def add_reporters(province: Province, rng: random.Random) -> None:
    for unit in province.units:
        province.people.append(Person(f"{unit.id}-contact", person_name(rng), unit.id, "联络员"))


def build_province(units: int, seed: int) -> Province:
    rng = random.Random(seed)
    province = Province()
    taken: set[str] = set()
    for towns in township_counts(units):
        add_county(province, rng, taken, towns)
    add_reporters(province, rng)
    return province


def expected_items(province: Province) -> int:
    """Items the loader should expand: one per duty per owning unit."""
    per_kind = {
        "{kind: township}": "township",
        "{group: townships}": "township",
        "{kind: bureau}": "bureau",
    }
    return sum(province.count(per_kind[duty[2]]) for duty in DUTIES)


# -- YAML text ------------------------------------------------------------------

_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"  # CJK punctuation, ideographs, full width
_PLAIN = re.compile(f"[a-z{_CJK}][a-z0-9_\\-{_CJK}]*")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def scalar(value: object) -> str:
    """A YAML scalar: plain when it cannot be misread, else single-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, datetime.date)):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text not in _YAML11_WORDS:
        return text
    return "'" + text.replace("'", "''") + "'"


def mapping_item(pairs: list[tuple[str, object]], indent: int = 2) -> list[str]:
    """A block sequence entry ``- k: v`` with the other keys aligned under it."""
    pad = " " * indent
    lines = []
    for index, (key, value) in enumerate(pairs):
        lead = f"{pad}- " if index == 0 else f"{pad}  "
        lines.append(f"{lead}{key}: {scalar(value)}")
    return lines


def render_header(seed: int) -> list[str]:
    return [
        "# Generated by bench/gen_province.py; do not edit.",
        "format: rectify/1",
        "checklist:",
        f"  id: province-2026-s{seed}",
        "  title: 全省双高普九跟踪督查整改",
        f"  source: {scalar('省教督[2025]17号')}",
        f"  issued: {ISSUED}",
        f"  deadline: {DEADLINE}",
    ]


def render_units(province: Province) -> list[str]:
    lines = ["units:"]
    for unit in province.units:
        lines += mapping_item([("id", unit.id), ("name", unit.name), ("kind", unit.kind)])
    return lines


def render_groups(province: Province) -> list[str]:
    lines = ["groups:"]
    for ident, name, kind in (
        ("townships", "各乡镇人民政府", "township"),
        ("bureaus", "各县直教育职能单位", "bureau"),
        ("offices", "各县政府教育督导室", "office"),
    ):
        lines += [f"  {ident}:", f"    name: {name}", f"    kind: {kind}"]
    for county, members in province.county_towns.items():
        lines += [
            f"  {county}-towns:",
            f"    name: {province.county_names[county]}各乡镇",
            "    members:",
        ]
        lines += [f"      - {scalar(member)}" for member in members]
    return lines


def render_people(province: Province) -> list[str]:
    lines = ["people:"]
    for person in province.people:
        lines += mapping_item(
            [
                ("id", person.id),
                ("name", person.name),
                ("unit", person.unit),
                ("title", person.title),
            ]
        )
        if person.roles:
            lines.append(f"    roles: [{', '.join(person.roles)}]")
    return lines


def render_duty(duty: tuple) -> list[str]:
    ident, title, owners, veto, deadline, evidence, indicators = duty
    lines = mapping_item([("id", ident), ("title", title)])
    lines.append(f"    owners: {owners}")
    if veto:
        lines.append("    veto: true")
    if deadline:
        lines.append(f"    deadline: {deadline}")
    lines.append("    evidence:")
    for ev_id, name, copies in evidence:
        lines += mapping_item([("id", ev_id), ("name", name)] + ([("copies", copies)] if copies else []), indent=6)
    if indicators:
        lines.append("    indicators:")
    for ind_id, name, unit, target, ind_veto in indicators:
        pairs = [("id", ind_id), ("name", name), ("unit", unit), ("target", target)]
        lines += mapping_item(pairs + ([("veto", True)] if ind_veto else []), indent=6)
    return lines


def render_duties() -> list[str]:
    lines = ["duties:"]
    for duty in DUTIES:
        lines += render_duty(duty)
    return lines


ROUNDS = (  # (id, name, from, to, scope, sample); the county review is added per province
    ("county-self-check", "县级自查", "2026-11-01", "2026-11-20", "{kind: township}", None),
    ("bureau-spot-check", "县直单位重点抽查", "2026-12-01", "2026-12-10", "{kind: bureau}", 0.3),
    ("province-sample", "省级随机抽查", "2026-12-16", "2026-12-25", "{group: townships}", 500),
)


def render_inspections(province: Province) -> list[str]:
    county = next(iter(province.county_towns))
    review = (f"{county}-review", province.county_names[county] + "乡镇评估",
              "2026-11-21", "2026-11-30", f"{{group: {county}-towns}}", None)  # fmt: skip
    lines = ["inspections:"]
    for ident, name, start, end, scope, sample in (ROUNDS[0], review, *ROUNDS[1:]):
        dates = [
            ("from", datetime.date.fromisoformat(start)),
            ("to", datetime.date.fromisoformat(end)),
        ]
        lines += mapping_item([("id", ident), ("name", name), *dates])
        lines.append(f"    scope: {scope}")
        if sample is not None:
            lines.append(f"    sample: {sample}")
    return lines


def render(province: Province, seed: int) -> str:
    parts = [
        render_header(seed),
        [WORKFLOW_YAML.rstrip("\n")],
        render_units(province),
        render_groups(province),
        render_people(province),
        render_duties(),
        render_inspections(province),
    ]
    return "\n".join(line for part in parts for line in part) + "\n"


def generate(units: int = 7000, seed: int = 1) -> str:
    """The checklist text for ``units`` units, the same for the same arguments."""
    return render(build_province(units, seed), seed)


# -- command line ---------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=7000, help="number of units (default 7000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("-o", "--output", required=True, type=Path, help="YAML file to write")
    parser.add_argument(
        "--check",
        action="store_true",
        help="validate the output against the JSON Schema and cross references",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        province = build_province(args.units, args.seed)
    except ValueError as error:
        print(f"gen_province: {error}", file=sys.stderr)
        return 2
    text = render(province, args.seed)
    data = text.encode("utf-8")
    args.output.write_bytes(data)
    print(
        f"units: {len(province.units)}  people: {len(province.people)}  duties: {len(DUTIES)}"
        f"  expected items: {expected_items(province)}  bytes: {len(data)}",
        file=sys.stderr,
    )
    if not args.check:
        return 0
    from check_checklist import check  # beside this file; needs jsonschema

    problems, items, load_seconds = check(text)
    for problem in problems[:50]:
        print(f"{args.output}: {problem}", file=sys.stderr)
    verdict = f"{len(problems)} problem(s)" if problems else "valid"
    print(
        f"check: {verdict}  expanded items: {items}  CSafeLoader load: {load_seconds:.3f} s",
        file=sys.stderr,
    )
    return 1 if problems or items != expected_items(province) else 0


if __name__ == "__main__":
    sys.exit(main())
