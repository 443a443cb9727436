"""ISO 639-1 language codes, for checking what a catalogue or a form says is a language."""

from __future__ import annotations

ISO_639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el
en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu
ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na
nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so
sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
""".split())

# English names (and a few endonyms) of languages often written out in catalogues, for the hint.
NAMES = {
    "english": "en", "french": "fr", "français": "fr", "german": "de", "deutsch": "de", "spanish": "es",
    "español": "es", "italian": "it", "italiano": "it", "dutch": "nl", "nederlands": "nl", "polish": "pl",
    "polski": "pl", "portuguese": "pt", "finnish": "fi", "suomi": "fi", "swedish": "sv", "svenska": "sv",
    "danish": "da", "norwegian": "no", "czech": "cs", "slovak": "sk", "slovenian": "sl", "croatian": "hr",
    "hungarian": "hu", "romanian": "ro", "bulgarian": "bg", "greek": "el", "estonian": "et", "latvian": "lv",
    "lithuanian": "lt", "irish": "ga", "maltese": "mt", "catalan": "ca", "basque": "eu", "turkish": "tr",
    "ukrainian": "uk", "russian": "ru", "vietnamese": "vi", "chinese": "zh", "japanese": "ja", "korean": "ko",
    "arabic": "ar", "indonesian": "id", "thai": "th",
}


def check_language(value: object) -> str:
    """A lower-cased ISO 639-1 code; ValueError naming the code to use when it is not one."""
    code = str(value or "").strip()
    if code.lower() in ISO_639_1:
        return code.lower()
    hint = NAMES.get(code.lower())
    suggestion = f" ('{hint}' for {code})" if hint else " such as 'en', 'fr' or 'de'"
    raise ValueError(f"{code!r} is not an ISO 639-1 language code: use the two-letter code{suggestion}")
