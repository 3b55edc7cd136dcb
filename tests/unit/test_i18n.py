"""The zh_CN catalog: complete, placeholder-faithful, compiled; language selection; our msgfmt."""
from __future__ import annotations

import gettext
import importlib.util
import string
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from cli import cli
from engine import i18n
from engine.i18n import _
from engine.msgfmt import mo_bytes, parse_po

REPO = Path(__file__).resolve().parents[2]
PO_PATH = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
MO_PATH = PO_PATH.with_suffix(".mo")
FIX = "python tools/extract_messages.py --update, translate, then python -m engine.msgfmt"


def _load_extractor() -> ModuleType:
    spec = importlib.util.spec_from_file_location("extract_messages", REPO / "tools" / "extract_messages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


extractor = _load_extractor()


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """i18n keeps one module-global translation: leave it English for the tests that follow."""
    yield
    i18n.set_language("en")


@pytest.fixture(scope="module")
def code_msgids() -> dict[str, list[str]]:
    """Every msgid in the code -> its file:line references."""
    return {m.msgid: m.references for m in extractor.extract(REPO).messages.values()}


@pytest.fixture(scope="module")
def zh() -> dict[str, str]:
    """The zh_CN translations as msgfmt compiles them (empty and fuzzy entries left out)."""
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


def fields(text: str) -> set[tuple[str, str, str]]:
    """The replacement fields of a format string: (name, conversion, format spec)."""
    return {(name, conversion or "", spec or "")
            for _literal, name, spec, conversion in string.Formatter().parse(text) if name is not None}


# -- (a) completeness -------------------------------------------------------

def test_extractor_finds_the_messages(code_msgids: dict[str, list[str]]) -> None:
    assert "no such file" in code_msgids
    assert "Days left" in code_msgids  # an N_() column header
    assert all(ref.count(":") == 1 for refs in code_msgids.values() for ref in refs)


def test_every_message_is_translated(code_msgids: dict[str, list[str]], zh: dict[str, str]) -> None:
    missing = [f"{refs[0]}: {msgid!r}" for msgid, refs in code_msgids.items() if not zh.get(msgid)]
    assert not missing, (f"{len(missing)} message(s) without a zh_CN translation ({FIX}):\n"
                         + "\n".join(missing))


# -- (b) placeholders --------------------------------------------------------

def test_translations_keep_the_placeholders(zh: dict[str, str]) -> None:
    wrong = [f"{msgid!r}: {sorted(fields(msgid))} -> {msgstr!r}: {sorted(fields(msgstr))}"
             for msgid, msgstr in zh.items() if msgid and fields(msgid) != fields(msgstr)]
    assert not wrong, "translations whose {placeholders} differ from the msgid:\n" + "\n".join(wrong)


def test_fields_see_conversions_and_specs() -> None:
    assert fields("{item!r} at 0x{byte:02x}") == {("item", "r", ""), ("byte", "", "02x")}
    assert fields("{item} at 0x{byte}") != fields("{item!r} at 0x{byte:02x}")


# -- (c) compiled catalog ----------------------------------------------------

def test_the_mo_file_is_compiled_from_the_po(zh: dict[str, str]) -> None:
    assert MO_PATH.read_bytes() == mo_bytes(zh), f"{MO_PATH.name} is stale: run python -m engine.msgfmt"


# -- (d) language selection --------------------------------------------------

def test_set_language_zh_translates() -> None:
    i18n.set_language("zh")
    assert i18n.language() == "zh_CN"
    assert _("no such file") == "文件不存在"
    i18n.set_language("en")
    assert _("no such file") == "no such file"


@pytest.mark.parametrize("lang", ["zh", "zh_CN.UTF-8", "zh-cn", "ZH_cn"])
def test_normalize_chinese(lang: str) -> None:
    assert i18n.normalize(lang) == "zh_CN"


@pytest.mark.parametrize("lang", ["en", "en_US.UTF-8", "C", "POSIX", "fr_FR"])
def test_normalize_other(lang: str) -> None:
    assert i18n.normalize(lang) == "en"


def _validate_missing(tmp_path: Path, *options: str) -> str:
    result = CliRunner().invoke(cli, [*options, "validate", str(tmp_path / "absent.yaml")])
    assert result.exit_code == 1, result.output
    return result.output


def test_cli_lang_zh(tmp_path: Path) -> None:
    assert "文件不存在" in _validate_missing(tmp_path, "--lang", "zh")


def test_cli_lang_en(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECTIFY_LANG", "zh_CN")  # --lang wins over the environment
    output = _validate_missing(tmp_path, "--lang", "en")
    assert "no such file" in output and "文件不存在" not in output


def test_cli_rectify_lang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECTIFY_LANG", "zh_CN.UTF-8")
    monkeypatch.setenv("LANG", "en_US.UTF-8")  # RECTIFY_LANG wins over the locale
    assert "文件不存在" in _validate_missing(tmp_path)


def test_cli_locale_lang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RECTIFY_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "文件不存在" in _validate_missing(tmp_path)


def test_cli_default_is_english(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RECTIFY_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert "no such file" in _validate_missing(tmp_path)


# -- (e) engine.msgfmt round trip --------------------------------------------

def test_mo_bytes_reads_back_with_gnutranslations(tmp_path: Path) -> None:
    po = (
        'msgid ""\n'
        'msgstr ""\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        "\n"
        'msgid "no such file"\n'
        'msgstr "文件不存在"\n'
        "\n"
        'msgid ""\n'
        '"two\\n"\n'
        '"lines — {n}"\n'
        'msgstr ""\n'
        '"两行\\n"\n'
        '"— {n}"\n'
        "\n"
        "#, fuzzy\n"
        'msgid "unsure"\n'
        'msgstr "不确定"\n'
        "\n"
        'msgid "untranslated"\n'
        'msgstr ""\n'
    )
    messages = parse_po(po)
    assert messages["two\nlines — {n}"] == "两行\n— {n}"
    assert "unsure" not in messages and "untranslated" not in messages
    mo = tmp_path / "test.mo"
    mo.write_bytes(mo_bytes(messages))
    with open(mo, "rb") as f:
        translations = gettext.GNUTranslations(f)
    assert translations.gettext("no such file") == "文件不存在"
    assert translations.gettext("two\nlines — {n}") == "两行\n— {n}"
    assert translations.gettext("unsure") == "unsure"
    assert translations.gettext("untranslated") == "untranslated"


def test_extractor_output_round_trips(tmp_path: Path) -> None:
    """What the extractor writes (quotes, backslashes, newlines) parse_po reads back unchanged."""
    source = tmp_path / "engine" / "sample.py"
    source.parent.mkdir()
    source.write_text(
        'from engine.i18n import N_, _\n'
        'A = _("say \\"hi\\"\\\\ " "then\\nmore — 好")\n'
        'B = N_("marked")\n'
        'C = _(A)\n',
        encoding="utf-8")
    catalog = extractor.extract(tmp_path, [source])
    assert list(catalog.messages) == ['say "hi"\\ then\nmore — 好', "marked"]
    assert catalog.messages["marked"].references == ["engine/sample.py:3"]
    assert len(catalog.warnings) == 1 and "engine/sample.py:4" in catalog.warnings[0]
    translated = "\n".join(
        extractor.entry_text(msgid, msgid.upper()) for msgid in catalog.messages)
    assert parse_po(translated) == {msgid: msgid.upper() for msgid in catalog.messages}


def test_merge_keeps_adds_and_obsoletes(tmp_path: Path) -> None:
    source = tmp_path / "engine" / "sample.py"
    source.parent.mkdir()
    source.write_text('_("kept")\n_("new")\n', encoding="utf-8")
    old = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
           '# a translator comment\nmsgid "kept"\nmsgstr "保留"\n\n'
           'msgid "gone"\nmsgstr "已删除"\n')
    merged, counts = extractor.merge(old, extractor.extract(tmp_path, [source]))
    assert counts == {"kept": 1, "new": 1, "obsolete": 1}
    assert "# a translator comment\n#: engine/sample.py:1\nmsgid \"kept\"" in merged
    assert '#~ msgid "gone"\n#~ msgstr "已删除"' in merged
    assert parse_po(merged) == {"": "Content-Type: text/plain; charset=UTF-8\n", "kept": "保留"}
    again, _counts = extractor.merge(merged, extractor.extract(tmp_path, [source]))
    assert again == merged
