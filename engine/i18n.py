"""Message catalogs: English msgids in code, translations in locale/*.po.

The catalogs are compiled to .mo files (``python -m engine.msgfmt``) and
shipped with the package. The language is chosen once per process by the
CLI: ``--lang``, else ``$RECTIFY_LANG``, else the locale, else English.
"""
from __future__ import annotations

import gettext
import os
from pathlib import Path

DOMAIN = "rectify"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "zh_CN")

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


def language() -> str:
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def N_(message: str) -> str:
    """Mark a literal for extraction only; it is translated later by ``_(variable)``."""
    return message
