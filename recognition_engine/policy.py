"""Recognition policy: the default in reference_data/, overlaid by an institution's own file.

Every check's parameters are validated when the policy loads, so a typo in a threshold
fails at start-up with the file and the key, never in the middle of an assessment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import InputError, Problem, problems_from_validation
from .paths import reference_data_dir
from .rules import RULES, Rule


class Appeal(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    route: str
    deadline_days: int
    reference: str


class PolicyHeader(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str
    title: str
    valid_from: dt.date
    reference: str
    appeal: Appeal
    checks: dict[str, Any]


@dataclass(frozen=True)
class Policy:
    header: PolicyHeader
    rules: list[Rule]  # the enabled checks, in report order
    sources: tuple[str, ...]  # the files merged, default first
    digest: str  # sha256 of the merged policy: what an assessment records

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


def policy_from_data(data: dict[str, Any], sources: tuple[str, ...]) -> Policy:
    source = sources[-1]
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
    canonical = json.dumps(data, sort_keys=True, default=str).encode()
    return Policy(header=header, rules=rules, sources=sources, digest=hashlib.sha256(canonical).hexdigest()[:16])


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
