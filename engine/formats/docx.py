"""A 督办单 as .docx, laid out per GB/T 9704-2012 (党政机关公文格式).

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm, so the text
block is 156 × 225 mm; 22 lines of 28 characters through the document grid
(``w:docGrid`` type ``linesAndChars``) and an exact line pitch; the title in
2号 (22 pt) 方正小标宋简体, the body in 3号 (16 pt) 仿宋_GB2312, set on
``w:eastAsia`` so Word and LibreOffice use them for Chinese. Those faces are
not free: the font table names a free fallback (Noto Serif CJK SC) as their
``w:altName``, which is what LibreOffice uses on a machine without them.
"""

from __future__ import annotations

import io
from typing import Any

from engine.formats.notice import Notice, chinese_date, paragraphs, title, visible

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
FALLBACK_FONT = "Noto Serif CJK SC"  # Debian fonts-noto-cjk
TITLE_PT, BODY_PT = 22, 16  # 2号, 3号
TEXT_WIDTH_MM, TEXT_HEIGHT_MM = 156, 225
LINES, CHARS = 22, 28
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TWIPS_PER_MM = 1440 / 25.4
# 225 mm / 22 lines = 579.8 twips; 579 keeps 22 whole lines inside the block
LINE_PITCH = int(TEXT_HEIGHT_MM * TWIPS_PER_MM / LINES)
# the grid's extra space per character, in 1/4096 pt, so 28 characters fill 156 mm
CHAR_SPACE = round((TEXT_WIDTH_MM / 25.4 * 72 / CHARS - BODY_PT) * 4096)
# 28 × 16 pt is wider than 156 mm: Word squeezes 3号 into the grid's 15.8 pt cells, but
# LibreOffice (7.4) gives a character wider than its cell two cells (14 characters a line). So the
# grid is declared for the page set-up (Word shows 22 lines × 28 characters), paragraphs do not
# snap to its characters, and the body is condensed by 0.25 pt so that 28 fit in 156 mm in both.
CONDENSE_TWIPS = -5
RED = "C00000"


def _fonts(run: Any, east_asian: str, size_pt: int) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size_pt)
    run.font.name = east_asian
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)


def _exact_spacing(paragraph: Any, before: int = 0, after: int = 0) -> None:
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Twips

    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Twips(LINE_PITCH)
    fmt.space_before, fmt.space_after = Twips(before), Twips(after)


def _page(document: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    sect = section._sectPr
    for old in sect.findall(qn("w:docGrid")):
        sect.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))
    sect.append(grid)


def _body_style(document: Any) -> None:
    """The body face and size on the Normal style and on the document defaults: the character
    grid's pitch is measured from the default size, so that must be 3号 too."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    style = document.styles["Normal"]
    _fonts(style, BODY_FONT, BODY_PT)
    _exact_spacing(style)
    style_r_pr = style.element.get_or_add_rPr()
    condense = OxmlElement("w:spacing")
    condense.set(qn("w:val"), str(CONDENSE_TWIPS))
    style_r_pr.find(qn("w:sz")).addprevious(condense)
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    _insert_in_order(style.element.get_or_add_pPr(), snap)
    defaults = document.styles.element.find(qn("w:docDefaults"))
    r_pr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    fonts = r_pr.find(qn("w:rFonts"))
    for key in list(fonts.attrib):
        del fonts.attrib[key]
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), BODY_FONT)
    for key in ("w:sz", "w:szCs"):
        r_pr.find(qn(key)).set(qn("w:val"), str(BODY_PT * 2))
    r_pr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}/{qn('w:spacing')}")
    for key, value in (("w:after", "0"), ("w:line", str(LINE_PITCH)), ("w:lineRule", "exact")):
        spacing.set(qn(key), value)


def _font_table(document: Any) -> None:
    """Name the free fallback of each non-free face as its altName in the font table."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn
    from lxml import etree

    for rel in document.part.rels.values():
        if rel.reltype == RT.FONT_TABLE:
            part = rel.target_part
            root = etree.fromstring(part.blob)
            for name in (TITLE_FONT, BODY_FONT):
                font = etree.SubElement(root, qn("w:font"))
                font.set(qn("w:name"), name)
                alt = etree.SubElement(font, qn("w:altName"))
                alt.set(qn("w:val"), FALLBACK_FONT)
                charset = etree.SubElement(font, qn("w:charset"))
                charset.set(qn("w:val"), "86")  # GB2312
                family = etree.SubElement(font, qn("w:family"))
                family.set(qn("w:val"), "roman")  # a serif face: what a substitute should be
            part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# the order of w:pPr's children (ECMA-376 CT_PPrBase) up to the ones this module writes
_PPR_ORDER = (
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
)


def _insert_in_order(p_pr: Any, element: Any) -> None:
    """Insert ``element`` before the first child that must follow it (Word rejects a wrong order)."""
    rank = _PPR_ORDER.index(element.tag.split("}")[1])
    for child in p_pr:
        name = child.tag.split("}")[1]
        if name in _PPR_ORDER and _PPR_ORDER.index(name) > rank:
            child.addprevious(element)
            return
    p_pr.append(element)


def _red_rule(paragraph: Any) -> None:
    """版头中的分隔线: a red rule under the 发文字号."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "12"), ("space", "4"), ("color", RED)):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    _insert_in_order(paragraph._p.get_or_add_pPr(), borders)


def _paragraph(
    document: Any, text: str, align: str = "", indent: bool = True, font: str = BODY_FONT, size: int = BODY_PT
) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    _exact_spacing(paragraph)
    if align:
        paragraph.alignment = {
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
            "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        }[align]
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
    _fonts(paragraph.add_run(visible(text)), font, size)
    return paragraph


PAGE_NUMBER_PT = 14  # 4号
PAGE_NUMBER_FONT = "宋体"


def _page_numbers(document: Any) -> None:
    """页码 (GB/T 9704 §7.5): 4号 半角 Arabic numerals between one-character dashes, 7 mm under
    the text block; odd pages on the right, even pages on the left, one character in."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    section.footer_distance = Mm(MARGINS_MM["bottom"] - 7 - 5)  # the dash's top 7 mm below the block
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        fmt = paragraph.paragraph_format
        fmt.right_indent, fmt.left_indent = (
            (Pt(PAGE_NUMBER_PT), None) if align == WD_ALIGN_PARAGRAPH.RIGHT else (None, Pt(PAGE_NUMBER_PT))
        )
        _fonts(paragraph.add_run("— "), PAGE_NUMBER_FONT, PAGE_NUMBER_PT)
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        number = paragraph.add_run("1")
        _fonts(number, PAGE_NUMBER_FONT, PAGE_NUMBER_PT)
        number._r.addprevious(field)
        field.append(number._r)
        _fonts(paragraph.add_run(" —"), PAGE_NUMBER_FONT, PAGE_NUMBER_PT)


def notice_docx(notice: Notice) -> bytes:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    _page(document)
    _body_style(document)
    _font_table(document)
    _page_numbers(document)
    document.core_properties.title = visible(notice.number)
    document.core_properties.author = visible(notice.issuer)
    number = _paragraph(document, notice.number, align="center", indent=False)
    _red_rule(number)
    _paragraph(document, "", indent=False)
    heading = _paragraph(document, title(notice), align="center", indent=False, font=TITLE_FONT, size=TITLE_PT)
    heading.paragraph_format.line_spacing = Pt(TITLE_PT * 1.5)
    _paragraph(document, "", indent=False)
    _paragraph(document, f"{notice.unit_name}：", indent=False)
    for text in paragraphs(notice):
        _paragraph(document, text, align="justify")
    _paragraph(document, "", indent=False)
    for text in (notice.issuer, chinese_date(notice.issued_on)):
        sign = _paragraph(document, text, align="right", indent=False)
        sign.paragraph_format.right_indent = Pt(4 * BODY_PT)  # 右空四字 (GB/T 9704 §7.3.5.1)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
