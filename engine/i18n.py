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

DOMAIN = "rectify"
CLICK_DOMAIN = "click"  # click's own messages, translated in their own catalog
LOCALE_DIR = os.path.join(os.path.dirname(__file__), "locale")

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
    if _language == "en":  # the msgids are English: no catalog to look for (1 ms, with locale)
        _translation = gettext.NullTranslations()
        return
    _translation = gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[_language], fallback=True)
    _translation.add_fallback(
        gettext.translation(CLICK_DOMAIN, localedir=LOCALE_DIR, languages=[_language], fallback=True)
    )


def language() -> str:
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a literal for extraction only; it is translated later by ``_(variable)``."""
    return message


DIGITS = "零一二三四五六七八九"
PLACES = ((1000, "千"), (100, "百"), (10, "十"))


def chinese_number(n: int) -> str:
    """A count in Chinese numerals, as in 一式六份: 6 → 六, 10 → 十, 12 → 十二, 20 → 二十,
    105 → 一百零五, 1010 → 一千零一十. For 0 ≤ n ≤ 9999."""
    if not 0 <= n <= 9999:
        raise ValueError(f"chinese_number: {n} is outside 0..9999")
    if n < 10:
        return DIGITS[n]
    words, zero_pending = "", False
    for value, name in PLACES:
        digit, n = divmod(n, value)
        if digit:
            if zero_pending:
                words += DIGITS[0]
            # 十二, not 一十二, when the tens lead; inside a larger number: 一百一十
            words += ("" if digit == 1 and value == 10 and not words else DIGITS[digit]) + name
            zero_pending = False
        elif words:
            zero_pending = True
    if n:
        words += (DIGITS[0] if zero_pending else "") + DIGITS[n]
    return words


def count_words(n: int) -> str:
    """A count as the language writes it in running text: 六 (一式六份) under zh_CN, else 6."""
    return chinese_number(n) if _language == "zh_CN" and 0 <= n <= 9999 else str(n)
