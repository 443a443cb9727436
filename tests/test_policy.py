"""Policy loading: the default, institutional overlays, validation at load time, the digest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from recognition_engine.errors import InputError
from recognition_engine.paths import reference_data_dir
from recognition_engine.policy import deep_merge, load_policy
from recognition_engine.rules import RULES

DEFAULT_FILE = reference_data_dir() / "policy_default.yaml"


def default_data() -> dict:
    return yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))


def params(policy) -> dict[str, dict]:
    return {r.id: r.params.model_dump(mode="json") for r in policy.rules}


def write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def problems(exc_info) -> list[tuple[str, str, str]]:
    return [(p.source, p.field, p.message) for p in exc_info.value.problems]


# ----------------------------------------------------------------------------- the default

def test_default_policy_loads_every_check_in_report_order():
    policy = load_policy()
    assert [r.id for r in policy.rules] == list(RULES)
    assert policy.sources == ("policy_default.yaml",)
    assert policy.id == "default" and policy.version
    assert len(policy.digest) == 16 and int(policy.digest, 16) >= 0
    assert policy.header.appeal.route and policy.header.appeal.deadline_days > 0


def test_required_elements_come_from_the_completeness_check():
    assert load_policy().required_elements == default_data()["checks"]["completeness"]["required"]
    assert load_policy({"checks": {"completeness": {"enabled": False}}}).required_elements == []


def test_every_rule_carries_label_and_reference():
    for rule in load_policy().rules:
        assert rule.params.label and rule.params.reference


# ----------------------------------------------------------------------------- overlays

def test_an_overlay_changes_only_what_it_names():
    base, tightened = load_policy(), load_policy({"checks": {"workload": {"tolerance": 0.1}}})
    before, after = params(base), params(tightened)
    assert after["workload"]["tolerance"] == 0.1
    assert {k: v for k, v in after["workload"].items() if k != "tolerance"} == \
           {k: v for k, v in before["workload"].items() if k != "tolerance"}
    assert {k: v for k, v in after.items() if k != "workload"} == {k: v for k, v in before.items() if k != "workload"}
    assert tightened.header.model_dump(exclude={"checks"}) == base.header.model_dump(exclude={"checks"})
    assert tightened.sources == ("policy_default.yaml", "<overlay>")


def test_a_nested_mapping_merges_key_by_key():
    policy = load_policy({"checks": {"quality_assurance": {"verdicts": {"internal": "substantial_difference"}}}})
    verdicts = params(policy)["quality_assurance"]["verdicts"]
    assert verdicts == {**default_data()["checks"]["quality_assurance"]["verdicts"], "internal": "substantial_difference"}


def test_a_list_is_replaced_not_extended():
    policy = load_policy({"checks": {"completeness": {"required": ["learning_outcomes"]}}})
    assert policy.required_elements == ["learning_outcomes"]


def test_overlay_from_a_file_names_the_file(tmp_path):
    path = write(tmp_path, "uni_policy.yaml", {"id": "uni", "version": "2027.1", "checks": {"recency": {"substantial_years": 15}}})
    policy = load_policy(path)
    assert policy.sources == ("policy_default.yaml", "uni_policy.yaml")
    assert policy.id == "uni" and policy.version == "2027.1"
    assert params(policy)["recency"]["substantial_years"] == 15
    assert load_policy(str(path)).digest == policy.digest


def test_enabled_false_removes_a_check():
    policy = load_policy({"checks": {"recency": {"enabled": False}}})
    assert "recency" not in [r.id for r in policy.rules]
    assert [r.id for r in policy.rules] == [c for c in RULES if c != "recency"]


def test_deep_merge_does_not_touch_its_inputs():
    base, overlay = {"a": {"b": 1, "c": [1, 2]}}, {"a": {"c": [3]}, "d": 4}
    assert deep_merge(base, overlay) == {"a": {"b": 1, "c": [3]}, "d": 4}
    assert base == {"a": {"b": 1, "c": [1, 2]}} and overlay == {"a": {"c": [3]}, "d": 4}


# ----------------------------------------------------------------------------- the digest

def test_digest_changes_when_a_parameter_changes():
    digests = {
        load_policy().digest,
        load_policy({"checks": {"workload": {"tolerance": 0.1}}}).digest,
        load_policy({"checks": {"workload": {"tolerance": 0.15}}}).digest,
        load_policy({"checks": {"level": {"bridgeable_levels_below": 2}}}).digest,
        load_policy({"checks": {"recency": {"enabled": False}}}).digest,
        load_policy({"appeal": {"deadline_days": 30}}).digest,
    }
    assert len(digests) == 6


def test_digest_depends_on_the_merged_policy_not_on_how_it_was_written(tmp_path):
    same = load_policy({"checks": {"workload": {"tolerance": default_data()["checks"]["workload"]["tolerance"]}}})
    assert same.digest == load_policy().digest
    assert load_policy({"checks": {"workload": {"tolerance": 0.1}}}).digest == \
           load_policy(write(tmp_path, "p.yaml", {"checks": {"workload": {"tolerance": 0.1}}})).digest


# ----------------------------------------------------------------------------- invalid policies

@pytest.mark.parametrize("overlay, field, message", [
    ({"checks": {"shoe_size": {"enabled": True}}}, "checks.shoe_size", "unknown check"),
    ({"checks": {"workload": {"tolerance": "lots"}}}, "checks.workload.tolerance", "valid number"),
    ({"checks": {"workload": {"tolerance": 1.5}}}, "checks.workload.tolerance", "less than 1"),
    ({"checks": {"workload": {"tolerence": 0.1}}}, "checks.workload.tolerence", "Extra inputs"),
    ({"checks": {"learning_outcomes": {"full": 1.2}}}, "checks.learning_outcomes.full", "less than or equal to 1"),
    ({"checks": {"learning_outcomes": {"minor": 0.4}}}, "checks.learning_outcomes", "partial_min <= minor <= full"),
    ({"checks": {"cognitive_depth": {"substantial_share": 2}}}, "checks.cognitive_depth.substantial_share", "less than or equal to 1"),
    ({"checks": {"level": {"minor_levels_below": 2}}}, "checks.level", "bridgeable_levels_below must be at least minor_levels_below"),
    ({"checks": {"level": {"bridgeable_levels_below": -1}}}, "checks.level.bridgeable_levels_below", "greater than or equal to 0"),
    ({"checks": {"recency": {"substantial_years": 3}}}, "checks.recency", "substantial_years must be at least minor_years"),
    ({"checks": {"participation": {"online": "maybe"}}}, "checks.participation.online", "Input should be"),
    ({"checks": {"quality_assurance": {"verdicts": {"internal": "fine"}}}}, "checks.quality_assurance.verdicts.internal", "Input should be"),
    ({"checks": {"completeness": {"required": ["shoe_size"]}}}, "checks.completeness.required", "unknown element"),
    ({"checks": {"workload": {"enabled": "sometimes"}}}, "checks.workload.enabled", "valid boolean"),
])
def test_invalid_overlay_fails_at_load_naming_file_and_key(tmp_path, overlay, field, message):
    path = write(tmp_path, "institution.yaml", overlay)
    with pytest.raises(InputError) as exc:
        load_policy(path)
    found = problems(exc)
    assert any(source == "institution.yaml" and f == field and message in m for source, f, m in found), found
    assert "institution.yaml" in str(exc.value) and field in str(exc.value)


def test_a_missing_quality_assurance_verdict_fails_at_load(tmp_path):
    data = default_data()
    del data["checks"]["quality_assurance"]["verdicts"]["none"]
    path = write(tmp_path, "institution_default.yaml", data)
    with pytest.raises(InputError) as exc:
        load_policy(default=path)
    assert ("institution_default.yaml", "checks.quality_assurance",
            "verdicts must cover every type of quality assurance; missing: ['none']") in problems(exc)


def test_a_check_without_parameters_fails_at_load(tmp_path):
    data = default_data()
    del data["checks"]["field"]
    with pytest.raises(InputError) as exc:
        load_policy(default=write(tmp_path, "short.yaml", data))
    assert any(f == "checks.field" and "missing" in m for _, f, m in problems(exc))


def test_every_problem_is_reported_at_once():
    with pytest.raises(InputError) as exc:
        load_policy({"checks": {"shoe_size": {}, "workload": {"tolerance": 2}, "recency": {"minor_years": 0}}})
    fields = {f for _, f, _ in problems(exc)}
    assert {"checks.shoe_size", "checks.workload.tolerance", "checks.recency.minor_years"} <= fields


def test_an_unknown_header_key_fails(tmp_path):
    with pytest.raises(InputError) as exc:
        load_policy(write(tmp_path, "p.yaml", {"apeal": {"route": "x"}}))
    assert any(source == "p.yaml" and f == "apeal" for source, f, _ in problems(exc))


def test_a_header_value_of_the_wrong_type_fails(tmp_path):
    with pytest.raises(InputError) as exc:
        load_policy(write(tmp_path, "p.yaml", {"appeal": {"deadline_days": "six weeks"}}))
    assert any(f == "appeal.deadline_days" for _, f, _ in problems(exc))


@pytest.mark.parametrize("text, message", [("checks: [unclosed", "invalid YAML"), ("- just\n- a list\n", "must be a mapping")])
def test_unreadable_policy_files_fail_naming_the_file(tmp_path, text, message):
    with pytest.raises(InputError) as exc:
        load_policy(write(tmp_path, "broken.yaml", text))
    assert "broken.yaml" in str(exc.value) and message in str(exc.value)


def test_a_missing_policy_file_fails(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_policy(tmp_path / "nowhere.yaml")


# ----------------------------------------------------------------------------- dated values

DATED = {"checks": {"workload": {"tolerance": {"values": {dt.date(2026, 1, 1): 0.2, "2027-09-01": 0.1}}}}}


def test_the_value_in_force_on_as_of_is_applied_and_recorded():
    policy = load_policy(DATED)
    before, after = policy.on(dt.date(2027, 8, 31)), policy.on(dt.date(2027, 9, 1))
    assert params(before)["workload"]["tolerance"] == 0.2 and params(after)["workload"]["tolerance"] == 0.1
    assert [(v.key, v.value, v.valid_from) for v in before.in_force] == [("checks.workload.tolerance", 0.2, dt.date(2026, 1, 1))]
    assert after.in_force[0].valid_from == dt.date(2027, 9, 1)
    assert before.digest == after.digest == policy.digest  # one policy, several dates


def test_an_undated_policy_is_the_same_on_every_date():
    policy = load_policy()
    assert policy.on(dt.date(2019, 7, 15)) is policy and policy.in_force == ()


def test_no_value_in_force_on_as_of_is_a_clear_error():
    with pytest.raises(InputError, match="no value in force on 2025-12-31: the first is from 2026-01-01"):
        load_policy(DATED).on(dt.date(2025, 12, 31))


def test_every_dated_version_is_validated_at_load():
    bad = {"checks": {"workload": {"tolerance": {"values": {"2026-01-01": 0.2, "2027-01-01": 1.5}}}}}
    with pytest.raises(InputError) as exc_info:
        load_policy(bad)
    assert any("checks.workload.tolerance" in field for _, field, _ in problems(exc_info))
    older_bad = {"checks": {"workload": {"tolerance": {"values": {"2026-01-01": -1, "2027-01-01": 0.2}}}}}
    with pytest.raises(InputError):
        load_policy(older_bad)


def test_credit_rounding_and_elective_credit_are_validated():
    with pytest.raises(InputError) as exc_info:
        load_policy({"credits": {"step": 0}, "elective_credit": {"programmes": {"BSC-CS": {"fields": [], "max_ects": 5}}}})
    fields = {field for _, field, _ in problems(exc_info)}
    assert {"credits.step", "elective_credit.programmes.BSC-CS.fields"} <= fields
