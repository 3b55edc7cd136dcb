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


def choose_language(explicit: str | None = None) -> str:
    for candidate in (explicit, os.environ.get("RECTIFY_LANG"), os.environ.get("LC_ALL"),
                      os.environ.get("LC_MESSAGES"), os.environ.get("LANG")):
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


def N_(message: str) -> str:
    """Mark a literal for extraction only; it is translated later by ``_(variable)``."""
    return message
