"""Texts as data, so a reader's language is the renderer's business, not the engine's.

Every sentence the engine says to a person (a finding's reason, a condition, what to ask the
applicant for, a recommendation's summary) is a `Message`: an English template with
`%(name)s` placeholders, which is also its gettext message id, and its parameters (course
ids, outcome texts, figures, or other messages). The plain English text is what the API's
`reason`, `summary`, ... fields and the CLI show; a renderer with a catalogue (the web pages'
Babel catalogue) translates the template and fills in the same parameters. The engine knows
no language but English and imports no i18n library: a translation is any `gettext`
function (str -> str).

`Texts` is the base of the models that carry such fields: a field given a `Message` (or a
list of them) stores its English text and keeps the message under `messages`, so stored
JSON can be rendered in another language later. Records stored before messages existed have
no `messages`: their English text is shown as it is (a sentence without parameters may still
be found in the catalogue).
"""

from __future__ import annotations

from typing import Any, Callable, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

Gettext = Callable[[str], str]

# A parameter: data shown as it is (str, numbers), a message translated in turn, or a list
# of either (joined with "; ").
Param = Union[str, int, float, None, "Message", list[Union[str, int, float, "Message"]]]


def _same(text: str) -> str:
    return text


def N_(text: str) -> str:
    """Mark a word or sentence for the catalogue's extraction; it is translated where it is shown."""
    return text


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str  # the English template, and the catalogue's message id
    params: dict[str, Param] = Field(default_factory=dict)

    def render(self, gettext: Gettext | None = None) -> str:
        gettext = gettext or _same
        template = gettext(self.id)
        if not self.params:
            return template
        values = {k: _value(v, gettext) for k, v in self.params.items()}
        try:
            return template % values
        except (KeyError, TypeError, ValueError):  # a translation that does not fit its parameters: the English
            return self.id % values

    def __str__(self) -> str:
        return self.render()


def _value(value: Param, gettext: Gettext) -> Any:
    if isinstance(value, Message):
        return value.render(gettext)
    if isinstance(value, list):
        return "; ".join(str(_value(v, gettext)) for v in value)
    return value


def msg(template: str, **params: Param) -> Message:
    """A message (extracted for the catalogue under the keyword `msg`)."""
    return Message(id=template, params=params)


def unique(messages: list[Message]) -> list[Message]:
    """The messages in order, each English text once (its first message)."""
    first: dict[str, Message] = {}
    for m in messages:
        first.setdefault(m.render(), m)
    return list(first.values())


class Texts(BaseModel):
    """A model whose text fields may be given as messages (see the module's docstring)."""

    # field name -> the message (or messages) its English text was rendered from
    messages: dict[str, Message | list[Message]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _english(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out, messages = dict(data), dict(data.get("messages") or {})
        for key, value in data.items():
            if isinstance(value, Message):
                out[key], messages[key] = value.render(), value
            elif isinstance(value, list) and any(isinstance(v, Message) for v in value):
                listed = [v if isinstance(v, Message) else Message(id=v) for v in value]
                out[key], messages[key] = [v.render() for v in listed], listed
        out["messages"] = messages
        return out

    def message(self, field: str) -> Message | list[Message]:
        """The message a text field was rendered from (its English text as a message, without one)."""
        stored = self.messages.get(field)
        if stored is not None:
            return stored
        value = getattr(self, field)
        return [Message(id=v) for v in value] if isinstance(value, list) else Message(id=value)

    def text(self, field: str, gettext: Gettext | None = None) -> Any:
        """A text field in the language of `gettext` (English without one)."""
        if gettext is None:
            return getattr(self, field)
        found = self.message(field)
        return [m.render(gettext) for m in found] if isinstance(found, list) else found.render(gettext)


class Say:
    """Sentences in one language: `say("Credit for %(course)s", course=...)` translates the
    template with `gettext` (English without one) and fills in the parameters; extracted for
    the catalogue under the keyword `_` where it is bound to that name."""

    def __init__(self, gettext: Gettext | None = None):
        self.gettext = gettext or _same

    def __call__(self, template: str, **params: Param) -> str:
        return Message(id=template, params=params).render(self.gettext)

    def text(self, model: Texts, field: str) -> Any:
        return model.text(field, self.gettext)


def localised(data: dict[str, Any], field: str, gettext: Gettext | None = None) -> Any:
    """`data[field]` (a str or a list of str) of a `Texts` model stored as JSON, in the language
    of `gettext`, from the message stored beside it."""
    value, stored = data.get(field), (data.get("messages") or {}).get(field)
    if gettext is None or value is None:
        return value
    if stored is None:  # stored before messages: a sentence without parameters may still be in the catalogue
        return [gettext(v) for v in value] if isinstance(value, list) else gettext(value)
    if isinstance(stored, list):
        return [Message.model_validate(m).render(gettext) for m in stored]
    return Message.model_validate(stored).render(gettext)


Message.model_rebuild()
