"""Engine texts as messages: English by default, translated template by template with the
same parameters, kept through JSON, and never broken by a translation that does not fit."""

from __future__ import annotations

from recognition_engine.messages import Message, Texts, localised, msg, unique
from recognition_engine.rules import Finding, Verdict

VI = {"%(check)s: %(reason)s": "%(check)s: %(reason)s", "Workload": "Khối lượng học tập",
      "%(n)d of %(total)d outcomes: %(outcomes)s": "%(n)d trên %(total)d kết quả: %(outcomes)s", "the outcome: %(o)s": "kết quả: %(o)s"}


def vi(text: str) -> str:
    return VI.get(text, text)


def test_parameters_and_nested_messages_are_filled_in_each_language():
    m = msg("%(n)d of %(total)d outcomes: %(outcomes)s", n=2, total=3, outcomes=[msg("the outcome: %(o)s", o="Sort a list."), "Use SQL."])
    assert m.render() == str(m) == "2 of 3 outcomes: the outcome: Sort a list.; Use SQL."
    assert m.render(vi) == "2 trên 3 kết quả: kết quả: Sort a list.; Use SQL."


def test_a_finding_keeps_its_english_reason_and_its_message_through_json():
    f = Finding(check="workload", label="Workload", element="workload", verdict=Verdict.meets, reference="r",
                reason=msg("%(n)d of %(total)d outcomes: %(outcomes)s", n=1, total=1, outcomes=["A."]), bridge=[msg("the outcome: %(o)s", o="B.")])
    assert f.reason == "1 of 1 outcomes: A." and f.bridge == ["the outcome: B."]
    stored = f.model_dump(mode="json")
    assert localised(stored, "reason", vi) == "1 trên 1 kết quả: A." and localised(stored, "bridge", vi) == ["kết quả: B."]
    assert Finding.model_validate(stored).text("reason", vi) == "1 trên 1 kết quả: A."
    assert Finding.model_validate(stored).labelled().render(vi) == "Khối lượng học tập: 1 trên 1 kết quả: A."
    old = {k: v for k, v in stored.items() if k != "messages"}  # stored before messages: as it was
    assert localised(old, "reason", vi) == "1 of 1 outcomes: A." and localised(old, "label", vi) == "Khối lượng học tập"


def test_a_translation_that_does_not_fit_falls_back_to_english():
    m = msg("%(n)d of %(total)d outcomes: %(outcomes)s", n=1, total=2, outcomes="x")
    assert m.render(lambda t: "%(n)d trên %(missing)s") == "1 of 2 outcomes: x"
    assert m.render(lambda t: "%(outcomes)d") == "1 of 2 outcomes: x"


def test_unique_keeps_the_first_of_equal_texts_in_order():
    assert [m.render() for m in unique([msg("a"), msg("b"), Message(id="a"), msg("c")])] == ["a", "b", "c"]


def test_a_model_given_plain_strings_has_no_messages():
    class Note(Texts):
        note: str

    assert Note(note="plain").messages == {}
