"""The language of a text, read from the text itself (not from a declared label).

A credential's declared language is its language of instruction; the outcomes may still be
written in English (a Vietnamese university's module described in English, say). The
encoder and every cross-lingual parameter follow the language the text is written in.

Detection uses lingua (offline, deterministic), restricted to the languages of this
project's partners and their neighbours, which makes short texts more reliable. Lao is not
among lingua's languages; its script is unique, so it is read from the script.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import Counter
from typing import Sequence

# ISO 639-1 codes detected from text. Lao ("lo") is recognised by its script.
LANGUAGES = ("en", "vi", "it", "hr", "cs", "fr", "de", "es", "nl", "pt", "pl", "sk", "sl", "sr", "bs",
             "ro", "hu", "id", "ms", "th", "fi", "sv", "da", "el")
_LAO = re.compile(r"[\u0E80-\u0EFF]")
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
# Below this many letters a guess is noise ("SQL", "C++"): the text's language is unknown.
MIN_LETTERS = 12
_BUILD_LOCK = threading.Lock()


@functools.cache
def _detector():
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    with _BUILD_LOCK:
        # Unsure (the two likeliest languages too close): no answer, and the caller falls back
        # on the credential's dominant or declared language.
        return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_minimum_relative_distance(0.1).build()


@functools.lru_cache(maxsize=50_000)
def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the language `text` is written in, or None when it cannot be told."""
    if _LAO.search(text):
        return "lo"
    if len(_LETTERS.findall(text)) < MIN_LETTERS:
        return None
    found = _detector().detect_language_of(text)
    return None if found is None else found.iso_code_639_1.name.lower()


def dominant_language(texts: Sequence[str]) -> str | None:
    """The language most of the texts are written in (ties: the first text's), None when
    none can be told."""
    found = [lang for lang in map(detect_language, texts) if lang]
    if not found:
        return None
    counts = Counter(found)
    top = max(counts.values())
    return next(lang for lang in found if counts[lang] == top)
