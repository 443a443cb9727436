"""The interface language: English or Vietnamese, from the `lang` cookie (the switch in the
page header) or else the browser's Accept-Language. Strings go through Babel message
catalogues (api/web/i18n/<locale>/LC_MESSAGES/messages.po, compiled to .mo and committed;
`scripts/i18n.sh` extracts, updates and compiles them). The catalogue holds the engine's own
sentences too (recognition_engine.messages: extracted from recognition_engine/ and from the
default policy's texts), so findings, recommendations and the letter read in Vietnamese."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.support import NullTranslations, Translations
from starlette.requests import Request

LOCALES = ("en", "vi")  # English is the source language
DEFAULT = "en"
COOKIE = "lang"
DIRECTORY = Path(__file__).parent / "i18n"


@lru_cache(maxsize=None)
def translations(locale: str) -> NullTranslations:
    if locale == DEFAULT:
        return NullTranslations()
    return Translations.load(str(DIRECTORY), [locale], domain="messages")


def negotiate(request: Request) -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LOCALES:
        return chosen
    preferred = []
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        if tag:
            preferred.append((weight, tag.replace("-", "_")))
    ranked = [tag for _, tag in sorted(preferred, key=lambda x: -x[0])]
    try:
        found = Locale.negotiate(ranked, list(LOCALES), sep="_")
    except (UnknownLocaleError, ValueError):
        found = None
    return found.language if found else DEFAULT


class Translator:
    """`_("Signed in as %(name)s", name=...)` in the request's language, and dates in its format."""

    def __init__(self, locale: str):
        self.locale = locale
        self._t = translations(locale)

    def __call__(self, message: str, **values: Any) -> str:
        text = self._t.gettext(message)
        return text % values if values else text

    def gettext(self, message: str) -> str:
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        return self._t.ngettext(singular, plural, n) % {"num": n, **values}

    def date(self, value: dt.date | str | None) -> str:
        if not value:
            return ""
        if isinstance(value, str):
            value = dt.date.fromisoformat(value[:10])
        return format_date(value, format="long" if self.locale == DEFAULT else "medium", locale=self.locale)

    def datetime(self, value: dt.datetime | str | None) -> str:
        if not value:
            return ""
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return format_datetime(value, format="medium", locale=self.locale, tzinfo=dt.timezone.utc) + " UTC"


def extract_policy(fileobj, keywords, comment_tags, options):
    """Babel extractor for a policy YAML: the texts it gives the engine to say (check labels,
    the trust combinations' names and verifications, the appeal route, the parameters' names
    and word values), which the engine's messages name by their English text."""
    policy = yaml.safe_load(fileobj.read().decode("utf-8")) or {}
    texts = [(policy.get("appeal") or {}).get("route")]
    for check in (policy.get("checks") or {}).values():
        texts.append(check.get("label"))
        for combination in check.get("not_shown_when") or []:
            texts += [combination.get("name"), combination.get("verification")]
        # the parameters as the letter names them (recognition_engine.explain: "_" read as a space)
        for key, value in check.items():
            if key in ("enabled", "label", "reference"):
                continue
            texts.append(key.replace("_", " "))
            words = list(value.items()) if isinstance(value, dict) else [(None, v) for v in value] if isinstance(value, list) else [(None, value)]
            for inner, word in words:
                texts += [inner.replace("_", " ") if isinstance(inner, str) else None,
                          word.replace("_", " ") if isinstance(word, str) and " " not in word else None]
    for text in texts:
        if isinstance(text, str) and text:
            yield 0, "N_", text, []


def translator(request: Request) -> Translator:
    return Translator(getattr(request.state, "locale", None) or negotiate(request))


def tr(request: Request, message: str, **values: Any) -> str:
    """`message` in the request's language (extracted with the keyword tr:2)."""
    return translator(request)(message, **values)
