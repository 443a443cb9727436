"""Golden cases: YAML files a recognition officer can read and write, run as pytest items.

Each file gives a credential (inline, or `credential_file:`, or `stack:` files), a purpose,
an `as_of` date, an optional policy overlay, and what must come out:

    expect:
      outcome: partial                 # the rung of the ladder
      purpose: CS201                   # the course assessed (needed when no purpose is given)
      findings:                        # each must appear with this verdict
        - {check: workload, verdict: substantial_difference, reason_contains: "53%"}
      credits: 3.5                     # optional: partial or elective credit
      alternative_course: CS202        # optional
      conditions_contain: ["examination"]   # optional, substrings of the conditions
      ask_for_contain: ["level"]       # optional, substrings of what to ask for
      working_contain: ["× 3/6"]       # optional, substrings of the credit working (traced arithmetic)
      parts_contributing: {part-1: true, part-2: false}   # optional, for a stack: which parts count
      other_courses: 2                 # optional, at least this many other courses listed
      in_force: {checks.workload.tolerance: 2026-09-01}   # optional, dated policy values applied

They use the real bundled models and the sample catalogue unless `catalogue:` says otherwise.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {"name", "description", "source", "catalogue", "purpose", "as_of", "policy", "credential", "credential_file", "stack",
           "expect"}


def pytest_collect_file(parent, file_path: Path):
    if file_path.suffix == ".yaml" and file_path.parent == Path(__file__).parent:
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self):
        spec = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        yield CaseItem.from_parent(self, name=self.path.stem, spec=spec)


class CaseItem(pytest.Item):
    def __init__(self, *, spec, **kwargs):
        super().__init__(**kwargs)
        self.spec = spec
        self.add_marker(pytest.mark.model)

    def runtest(self):
        from recognition_engine.assessment import Assessor
        from recognition_engine.loaders import credentials_from_data, load_credentials
        from recognition_engine.policy import load_policy

        spec = self.spec
        unknown = set(spec) - ALLOWED
        assert not unknown, f"unknown keys in the case file: {sorted(unknown)}"
        engine = _engine(spec.get("catalogue", "examples/catalogue.yaml"))
        assessor = Assessor(engine, load_policy(spec.get("policy")))
        as_of = spec["as_of"] if isinstance(spec["as_of"], dt.date) else dt.date.fromisoformat(spec["as_of"])
        if "stack" in spec:
            parts = [c for f in spec["stack"] for c in load_credentials(ROOT / f)]
            result = assessor.assess_stack(parts, spec["purpose"], as_of)
        else:
            credential = (load_credentials(ROOT / spec["credential_file"])[0] if "credential_file" in spec
                          else credentials_from_data(spec["credential"], self.path.name)[0])
            result = assessor.assess(credential, spec.get("purpose"), as_of)
        check_expectations(result, spec["expect"])

    def repr_failure(self, excinfo):
        return f"golden case {self.path.name} ({self.spec.get('name', '')}):\n{excinfo.getrepr(style='short')}"

    def reportinfo(self):
        return self.path, 0, f"golden case: {self.spec.get('name', self.name)}"


def check_expectations(result, expect: dict) -> None:
    summary = f"got {result.outcome.value} for {result.purpose.course_id if result.purpose else None}: {result.recommendation.summary}\n" + "\n".join(
        f"  {f.check}: {f.verdict.value}: {f.reason}" for f in result.findings)
    assert result.outcome.value == expect["outcome"], summary
    if "purpose" in expect:
        assert result.purpose and result.purpose.course_id == expect["purpose"], summary
    for want in expect.get("findings", []):
        got = result.finding(want["check"])
        assert got is not None, f"no {want['check']} finding\n{summary}"
        assert got.verdict.value == want["verdict"], f"{want['check']}: {got.verdict.value} != {want['verdict']}\n{summary}"
        if "reason_contains" in want:
            assert want["reason_contains"] in got.reason, f"{want['check']} reason lacks {want['reason_contains']!r}: {got.reason}"
    r = result.recommendation
    if "credits" in expect:
        assert r.credits == expect["credits"], f"credits {r.credits} != {expect['credits']}\n{summary}"
    if "alternative_course" in expect:
        assert r.alternative_course_id == expect["alternative_course"], summary
    for text in expect.get("conditions_contain", []):
        assert any(text in c for c in r.conditions), f"no condition mentions {text!r}: {r.conditions}"
    for text in expect.get("ask_for_contain", []):
        assert any(text in a for a in r.ask_for), f"nothing asked mentions {text!r}: {r.ask_for}"
    for text in expect.get("working_contain", []):
        assert any(text in s.working for s in r.working), f"no working step mentions {text!r}: {[s.working for s in r.working]}"
    if "parts_contributing" in expect:
        got = {p.credential_id: p.contributes for p in result.parts}
        assert got == expect["parts_contributing"], f"parts {got}\n" + "\n".join(f"  {p.credential_id}: {p.reason}" for p in result.parts)
    if "other_courses" in expect:
        others = [c for c in result.candidates if c.course_id != result.purpose.course_id]
        assert len(others) >= expect["other_courses"], f"other courses considered: {[c.course_id for c in others]}"
    for key, day in expect.get("in_force", {}).items():
        applied = {x.key: x.valid_from for x in result.versions.policy_in_force}
        assert applied.get(key) == (day if isinstance(day, dt.date) else dt.date.fromisoformat(day)), f"in force: {applied}"
    if result.outcome.value != "full":
        assert r.appeal is not None and r.appeal.route, "anything short of full recognition must give the appeal route"


_ENGINES: dict[str, object] = {}


def _engine(catalogue: str):
    """One engine per catalogue for the whole run, so each model loads once."""
    if catalogue not in _ENGINES:
        from recognition_engine import Engine, load_catalogue

        _ENGINES[catalogue] = Engine(load_catalogue(ROOT / catalogue))
    return _ENGINES[catalogue]
