"""Small helpers for reading parsed XML by local element names (namespaces are ignored)."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from .safety import local_name

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def children(el: Element | None, name: str) -> list[Element]:
    if el is None:
        return []
    return [ch for ch in el if isinstance(ch.tag, str) and local_name(ch.tag) == name]


def child(el: Element | None, name: str) -> Element | None:
    found = children(el, name)
    return found[0] if found else None


def text(el: Element | None) -> str | None:
    if el is None:
        return None
    value = "".join(el.itertext()).strip()
    return value or None


def child_text(el: Element | None, name: str) -> str | None:
    return text(child(el, name))


def path_text(el: Element | None, *names: str) -> str | None:
    for name in names:
        el = child(el, name)
        if el is None:
            return None
    return text(el)


def lang_pick(elements: list[Element], preferred: tuple[str, ...] = ("en",)) -> str | None:
    """The text of the element in the preferred language, else the one without a language, else the first."""
    texts = [(str(e.get(XML_LANG) or "").lower().split("-")[0], text(e)) for e in elements]
    texts = [(lang, t) for lang, t in texts if t]
    for want in preferred:
        for lang, t in texts:
            if lang == want:
                return t
    for lang, t in texts:
        if not lang:
            return t
    return texts[0][1] if texts else None
