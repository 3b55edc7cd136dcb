"""The catalogs: complete, not stale, placeholder-faithful, compiled; language selection.

Messages are extracted from the code with Babel and babel.cfg, exactly as
``pybabel extract`` does (README, i18n section), so a message added to the
code without updating ``rectify.po`` fails here, naming file and line.
"""

from __future__ import annotations

import io
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner

from cli import cli
from engine import i18n
from engine.i18n import _

REPO = Path(__file__).resolve().parents[2]
MESSAGES = Path(i18n.LOCALE_DIR) / "zh_CN" / "LC_MESSAGES"
CATALOGS = {domain: MESSAGES / f"{domain}.po" for domain in (i18n.DOMAIN, i18n.CLICK_DOMAIN)}
FIX = "run the catalog commands of the README's i18n section (pybabel extract, update), translate, compile"


def read_catalog(path: Path) -> Catalog:
    with open(path, "rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def code_messages() -> dict[str, list[str]]:
    """Every msgid ``pybabel extract -F babel.cfg`` finds in the code -> its file:line places."""
    with open(REPO / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module", params=list(CATALOGS))
def catalog(request: pytest.FixtureRequest) -> Catalog:
    return read_catalog(CATALOGS[request.param])


def live(catalog: Catalog) -> dict[str, object]:
    """msgid (the singular for plurals) -> msgstr of the catalog's entries that are not obsolete."""
    return {(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in catalog if m.id}


def fields(text: str) -> set[tuple[str, str, str]]:
    """The replacement fields of a message: {name!conv:spec} and %(name)s both."""
    brace = {
        (name, conversion or "", spec or "")
        for _literal, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    }
    return brace | {(name, "%", kind) for name, kind in re.findall(r"%\((\w+)\)(\w)", text)}


# -- (a) the rectify catalog is the code's ---------------------------------------


def test_babel_cfg_finds_the_messages(code_messages: dict[str, list[str]]) -> None:
    assert "no such file" in code_messages
    assert "Days left" in code_messages  # an N_() column header
    assert any(place.startswith("cli.py:") for places in code_messages.values() for place in places)


def test_every_message_in_the_code_is_in_the_catalog(code_messages: dict[str, list[str]]) -> None:
    catalog = live(read_catalog(CATALOGS[i18n.DOMAIN]))
    missing = [f"{places[0]}: {msgid!r}" for msgid, places in code_messages.items() if msgid not in catalog]
    assert not missing, f"{len(missing)} message(s) not in rectify.po ({FIX}):\n" + "\n".join(missing)


def test_the_catalog_keeps_no_message_the_code_lost(code_messages: dict[str, list[str]]) -> None:
    stale = sorted(set(live(read_catalog(CATALOGS[i18n.DOMAIN]))) - set(code_messages))
    assert not stale, f"rectify.po still holds messages no code uses ({FIX}): {stale}"


# -- (b) every entry translated, placeholders kept --------------------------------


def test_no_entry_is_empty_or_fuzzy(catalog: Catalog) -> None:
    wrong = [
        m.id for m in catalog if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else (m.string,)))
    ]
    assert not wrong, f"{len(wrong)} zh_CN entries untranslated or fuzzy ({FIX}):\n" + "\n".join(map(repr, wrong))
    assert not catalog.fuzzy, "the catalog's header is marked fuzzy: pybabel compile would skip it"


def test_translations_keep_the_placeholders(catalog: Catalog) -> None:
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*map(fields, ids))  # a plural's one form may use either form's fields
        wrong += [
            f"{ids[0]!r} -> {text!r}"
            for text in strings
            if not fields(text) <= expected or (len(ids) == 1 and fields(text) != expected)
        ]
    assert not wrong, "translations whose {placeholders} differ from the msgid:\n" + "\n".join(wrong)


def test_fields_see_conversions_specs_and_percent_names() -> None:
    assert fields("{item!r} at 0x{byte:02x}") == {("item", "r", ""), ("byte", "", "02x")}
    assert fields("{item} at 0x{byte}") != fields("{item!r} at 0x{byte:02x}")
    assert fields("%(prog)s, version %(version)s") == {("prog", "%", "s"), ("version", "%", "s")}


# -- (c) compiled catalogs -------------------------------------------------------


@pytest.mark.parametrize("domain", list(CATALOGS))
def test_the_mo_file_is_compiled_from_the_po(domain: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, read_catalog(CATALOGS[domain]))
    mo = CATALOGS[domain].with_suffix(".mo")
    assert mo.read_bytes() == compiled.getvalue(), f"{mo.name} is stale: run pybabel compile ({FIX})"


def test_click_messages_are_in_their_catalog() -> None:
    """The messages click shows on every usage error are translated, spelled as click's source has them."""
    import click

    shown = {
        "Usage:",
        "Error: {message}",
        "Try '{command} {option}' for help.",
        "Options",
        "Commands",
        "Show this message and exit.",
        "No such command {name!r}.",
        "No such option {name!r}.",
        "Missing argument",
        "Invalid value for {param_hint}: {message}",
    }
    in_click = {
        message if isinstance(message, str) else message[0]
        for *_place, message, _comments, _context in extract_from_dir(str(Path(click.__file__).parent))
    }
    assert shown <= in_click
    assert shown <= set(live(read_catalog(CATALOGS[i18n.CLICK_DOMAIN])))


# -- (d) language selection -------------------------------------------------------


def test_set_language_zh_translates() -> None:
    i18n.set_language("zh")
    assert i18n.language() == "zh_CN"
    assert _("no such file") == "文件不存在"
    assert _("Usage:") == "用法："  # from the click catalog, behind ours
    i18n.set_language("en")
    assert _("no such file") == "no such file"
    assert _("Usage:") == "Usage:"


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
