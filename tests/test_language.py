"""Reading the language of a text (lingua, offline)."""

from recognition_engine import language
from recognition_engine.language import detect_language, detect_languages, dominant_language

TEXTS = [
    "Apply linear regression to economic data and interpret the coefficients",
    "Trình bày được các khái niệm cơ bản về cấu trúc dữ liệu và giải thuật",
    "Applicare i metodi di regressione lineare ai dati economici",
    "ເຂົ້າໃຈພື້ນຖານຂອງການຂຽນໂປຣແກຣມ",  # Lao, read from its script
    "SQL, C++",  # too few letters to tell
]


def test_a_list_is_read_as_each_text_alone(monkeypatch):
    monkeypatch.setattr(language, "_KNOWN", type(language._KNOWN)())
    together = detect_languages([*TEXTS, TEXTS[0]])
    monkeypatch.setattr(language, "_KNOWN", type(language._KNOWN)())
    alone = [detect_language(t) for t in [*TEXTS, TEXTS[0]]]
    assert together == alone == ["en", "vi", "it", "lo", None, "en"]


def test_texts_read_before_are_not_read_again(monkeypatch):
    monkeypatch.setattr(language, "_KNOWN", type(language._KNOWN)())
    monkeypatch.setattr(language, "_KNOWN_CAPACITY", 2)
    asked = []
    read = language._read
    monkeypatch.setattr(language, "_read", lambda texts: asked.append(list(texts)) or read(texts))
    detect_languages(TEXTS[:2])
    detect_languages(TEXTS[:3])
    assert asked == [TEXTS[:2], [TEXTS[2]]]
    assert len(language._KNOWN) == 2  # the least recently read went first
    assert TEXTS[0] not in language._KNOWN


def test_the_dominant_language():
    assert dominant_language([TEXTS[1], TEXTS[0], TEXTS[1]]) == "vi"
    assert dominant_language([TEXTS[4]]) is None
