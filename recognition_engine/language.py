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
import os
import re
import threading
from collections import Counter, OrderedDict
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

    # lingua reads a list of texts on a pool of all the cores; Ray gives an actor its share in
    # OMP_NUM_THREADS, which the encoders follow too.
    if os.environ.get("OMP_NUM_THREADS"):
        os.environ.setdefault("RAYON_NUM_THREADS", os.environ["OMP_NUM_THREADS"])
    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    with _BUILD_LOCK:
        # Unsure (the two likeliest languages too close): no answer, and the caller falls back
        # on the credential's dominant or declared language.
        return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_minimum_relative_distance(0.1).build()


_KNOWN: OrderedDict[str, str | None] = OrderedDict()  # the texts read most recently, and their language
_KNOWN_CAPACITY = 50_000
_KNOWN_LOCK = threading.Lock()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the language `text` is written in, or None when it cannot be told."""
    return detect_languages([text])[0]


def detect_languages(texts: Sequence[str]) -> list[str | None]:
    """`detect_language` of each text; the texts not read before go to lingua together, which
    reads them on every core (a credential's 3-10 outcomes: about 5 ms against 10)."""
    with _KNOWN_LOCK:
        known = {t: _KNOWN[t] for t in dict.fromkeys(texts) if t in _KNOWN}
        for t in known:
            _KNOWN.move_to_end(t)
    unread = [t for t in dict.fromkeys(texts) if t not in known]
    if unread:
        found = dict(zip(unread, _read(unread)))
        known.update(found)
        with _KNOWN_LOCK:
            _KNOWN.update(found)
            while len(_KNOWN) > _KNOWN_CAPACITY:
                _KNOWN.popitem(last=False)
    return [known[t] for t in texts]


def _read(texts: list[str]) -> list[str | None]:
    out: list[str | None] = [None] * len(texts)
    asked = []
    for i, text in enumerate(texts):
        if _LAO.search(text):
            out[i] = "lo"
        elif len(_LETTERS.findall(text)) >= MIN_LETTERS:
            asked.append(i)
    if asked:
        found = _detector().detect_languages_in_parallel_of([texts[i] for i in asked])
        for i, language in zip(asked, found):
            out[i] = None if language is None else language.iso_code_639_1.name.lower()
    return out


def dominant_language(texts: Sequence[str]) -> str | None:
    """The language most of the texts are written in (ties: the first text's), None when
    none can be told."""
    found = [lang for lang in detect_languages(texts) if lang]
    if not found:
        return None
    counts = Counter(found)
    top = max(counts.values())
    return next(lang for lang in found if counts[lang] == top)
