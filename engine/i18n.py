"""Message catalogs: English msgids in code, translations in locale/*.po.

Two gettext domains, maintained with Babel (``pybabel``, a development tool;
the README's i18n section has the commands) and shipped compiled as .mo
package data: ``rectify`` holds this project's messages, ``click`` the
translations of click's own (Usage:, Error:, Try ... for help), consulted
when ours has no entry. The language is chosen once per process by the CLI:
``--lang``, else ``$RECTIFY_LANG``, else the locale, else English.
"""
from __future__ import annotations

import gettext
import os
from pathlib import Path

DOMAIN = "rectify"
CLICK_DOMAIN = "click"  # click's own messages, translated in their own catalog
LOCALE_DIR = Path(__file__).parent / "locale"

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def normalize(lang: str) -> str:
    """Map ``zh``, ``zh_CN.UTF-8``, ``zh-cn`` ... to ``zh_CN``; anything else to ``en``."""
    return "zh_CN" if lang.lower().replace("-", "_").startswith("zh") else "en"


def parse_language(value: str) -> str | None:
    """A language the user asked for (``--lang``, ``$RECTIFY_LANG``): ``zh``, ``zh-CN``, ``cn``,
    ``zh_CN.UTF-8``, ``en``, ``en_US`` ... -> ``zh_CN`` or ``en``; None for anything else."""
    folded = value.strip().lower().replace("-", "_").split(".")[0]
    if folded in ("cn", "chinese", "zh") or folded.startswith("zh_"):
        return "zh_CN"
    if folded in ("en", "english", "c", "posix") or folded.startswith("en_"):
        return "en"
    return None


def choose_language(explicit: str | None = None) -> str:
    """``explicit`` (``--lang``), else ``$RECTIFY_LANG``, else the locale, else English.

    An explicit or ``$RECTIFY_LANG`` value that names no known language is a ValueError, not
    silently English; a locale we have no catalog for is English.
    """
    for asked in (explicit, os.environ.get("RECTIFY_LANG")):
        if asked:
            chosen = parse_language(asked)
            if chosen is None:
                raise ValueError(asked)
            return chosen
    for candidate in (os.environ.get("LC_ALL"), os.environ.get("LC_MESSAGES"), os.environ.get("LANG")):
        if candidate:
            return normalize(candidate)
    return "en"


def set_language(lang: str) -> None:
    global _translation, _language
    _language = normalize(lang)
    _translation = gettext.translation(
        DOMAIN, localedir=LOCALE_DIR, languages=[_language], fallback=True)
    _translation.add_fallback(gettext.translation(
        CLICK_DOMAIN, localedir=LOCALE_DIR, languages=[_language], fallback=True))


def language() -> str:
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a literal for extraction only; it is translated later by ``_(variable)``."""
    return message


_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """0..9999 in Chinese numerals (六, 十二, 一百零五), as 一式六份 is written; else digits."""
    if not 0 <= n < 10000:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    parts: list[str] = []
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero and parts:
                parts.append("零")
            parts.append(("" if unit == "十" and n < 20 else _DIGITS[digit]) + unit)
            zero = False
        elif parts:
            zero = True
    return "".join(parts)


def numeral(n: int) -> str:
    """A count in running text: Chinese numerals under zh_CN (一式六份), digits otherwise."""
    return chinese_numeral(n) if _language == "zh_CN" else str(n)
