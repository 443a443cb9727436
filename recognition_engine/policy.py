"""Recognition policy: the default in reference_data/, overlaid by an institution's own file.

Every check's parameters are validated when the policy loads, so a typo in a threshold
fails at start-up with the file and the key, never in the middle of an assessment.

A parameter may be dated, as in OpenFisca: `{values: {2026-01-01: 0.2, 2027-09-01: 0.15}}`.
The value in force on the assessment's `as_of` date is applied, and the assessment records
which (`Policy.on(as_of)`). Every dated version is validated at load.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import InputError, Problem, problems_from_validation
from .grades import GradeConversionPolicy
from .paths import reference_data_dir
from .rules import RULES, Rule


class Appeal(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    route: str
    deadline_days: int
    reference: str


class Credits(BaseModel):
    """How awarded credits are rounded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    step: float = Field(gt=0)  # credits are awarded in multiples of this, to the nearest (halves up)
    reference: str


class ProgrammeElectives(BaseModel):
    """Elective credit a programme takes: from which ISCED-F fields, and how much."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fields: list[str] = Field(min_length=1)  # ISCED-F codes, broad (2 digits), narrow (3) or detailed (4)
    max_ects: float = Field(gt=0)
    min_eqf: int | None = Field(None, ge=1, le=8)


class ElectiveCredit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reference: str
    programmes: dict[str, ProgrammeElectives] = Field(default_factory=dict)


class PolicyHeader(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str
    title: str
    valid_from: dt.date  # undated values are in force from this date
    reference: str
    appeal: Appeal
    credits: Credits
    elective_credit: ElectiveCredit
    checks: dict[str, Any]
    # How foreign grades are converted (recognition_engine/grades.py): the institution's own
    # table, or the ECTS grading-table method; none without it (the reason is given).
    grade_conversion: GradeConversionPolicy | None = None


class InForce(BaseModel):
    """A dated policy value applied to an assessment: which value, from when."""

    model_config = ConfigDict(frozen=True)

    key: str
    value: Any
    valid_from: dt.date


@dataclass(frozen=True)
class Policy:
    header: PolicyHeader
    rules: list[Rule]  # the enabled checks, in report order (dated values: the latest)
    sources: tuple[str, ...]  # the files merged, default first
    digest: str  # sha256 of the merged policy: what an assessment records
    data: dict[str, Any] = field(repr=False, default_factory=dict)  # the merged policy, dated values unresolved
    in_force: tuple[InForce, ...] = ()  # the dated values this version applies
    _by_date: dict[dt.date, "Policy"] = field(repr=False, default_factory=dict, compare=False)

    def on(self, as_of: dt.date) -> "Policy":
        """The policy with the values in force on `as_of` (the same object when nothing is dated)."""
        if not _dates(self.data):
            return self
        if as_of not in self._by_date:
            resolved, in_force = resolve_dated(self.data, as_of, self.sources[-1])
            header, rules = _validated(resolved, self.sources[-1])
            self._by_date[as_of] = Policy(header=header, rules=rules, sources=self.sources, digest=self.digest,
                                          data=self.data, in_force=tuple(in_force))
        return self._by_date[as_of]

    @property
    def id(self) -> str:
        return self.header.id

    @property
    def version(self) -> str:
        return self.header.version

    @property
    def required_elements(self) -> list[str]:
        return next((r.params.required for r in self.rules if r.id == "completeness"), [])  # type: ignore[attr-defined]


def deep_merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """Overlay wins key by key; nested mappings merge, lists and scalars are replaced."""
    out = dict(base)
    for key, value in overlay.items():
        out[key] = deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([Problem(str(path), "", "", "policy file not found")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(path.name, "", "", f"invalid YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise InputError([Problem(path.name, "", "", "a policy must be a mapping")])
    return data


def _as_date(key: Any) -> dt.date | None:
    if isinstance(key, dt.date):
        return key
    try:
        return dt.date.fromisoformat(str(key))
    except ValueError:
        return None


def _dated(value: Any) -> bool:
    return (isinstance(value, dict) and set(value) == {"values"} and isinstance(value["values"], dict)
            and bool(value["values"]) and all(_as_date(k) for k in value["values"]))


def _dates(data: Any) -> set[dt.date]:
    if _dated(data):
        return {_as_date(k) for k in data["values"]}  # type: ignore[misc]
    if isinstance(data, dict):
        return set().union(*(_dates(v) for v in data.values())) if data else set()
    return set()


def resolve_dated(data: Any, as_of: dt.date, source: str, path: str = "") -> tuple[Any, list[InForce]]:
    """`data` with each dated value replaced by the one in force on `as_of`, and what was applied."""
    if _dated(data):
        dated = sorted((_as_date(k), v) for k, v in data["values"].items())
        in_force = [(d, v) for d, v in dated if d <= as_of]
        if not in_force:
            raise InputError([Problem(source, "", path, f"no value in force on {as_of}: the first is from {dated[0][0]}")])
        day, value = in_force[-1]
        return value, [InForce(key=path, value=value, valid_from=day)]
    if isinstance(data, dict):
        out, applied = {}, []
        for key, value in data.items():
            out[key], found = resolve_dated(value, as_of, source, f"{path}.{key}" if path else str(key))
            applied += found
        return out, applied
    return data, []


def _validated(data: dict[str, Any], source: str) -> tuple[PolicyHeader, list[Rule]]:
    try:
        header = PolicyHeader.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, source, "")) from None
    problems, rules = [], []
    unknown = sorted(set(header.checks) - set(RULES))
    problems += [Problem(source, "", f"checks.{k}", f"unknown check; known: {', '.join(RULES)}") for k in unknown]
    for check_id, rule_cls in RULES.items():
        raw = header.checks.get(check_id)
        if raw is None:
            problems.append(Problem(source, "", f"checks.{check_id}", "missing: every check needs its parameters (or enabled: false)"))
            continue
        try:
            params = rule_cls.Params.model_validate(raw)
        except ValidationError as exc:
            problems += problems_from_validation(exc, source, "", prefix=f"checks.{check_id}")
            continue
        if params.enabled:
            rules.append(rule_cls(params))
    if problems:
        raise InputError(problems)
    return header, rules


def _str_keys(data: Any) -> Any:
    """Dates as mapping keys (dated values) written as ISO strings, for the digest."""
    if isinstance(data, dict):
        return {str(k): _str_keys(v) for k, v in data.items()}
    return data


def policy_from_data(data: dict[str, Any], sources: tuple[str, ...]) -> Policy:
    source = sources[-1]
    dates = sorted(_dates(data))
    for day in dates[:-1]:  # every dated version must be valid, not only the latest
        _validated(resolve_dated(data, day, source)[0], source)
    latest, in_force = resolve_dated(data, dates[-1], source) if dates else (data, [])
    header, rules = _validated(latest, source)
    canonical = json.dumps(_str_keys(data), sort_keys=True, default=str).encode()
    return Policy(header=header, rules=rules, sources=sources, digest=hashlib.sha256(canonical).hexdigest()[:16],
                  data=data, in_force=tuple(in_force))


def load_policy(overlay: Path | str | dict[str, Any] | None = None, default: Path | None = None) -> Policy:
    """The default policy, with an institution's overlay (a file, or a mapping) merged on top."""
    default = default or reference_data_dir() / "policy_default.yaml"
    data, sources = _read(default), (default.name,)
    if isinstance(overlay, dict):
        data, sources = deep_merge(data, overlay), (default.name, "<overlay>")
    elif overlay is not None:
        overlay = Path(overlay)
        data, sources = deep_merge(data, _read(overlay)), (default.name, overlay.name)
    return policy_from_data(data, sources)
