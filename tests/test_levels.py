import pytest
from pydantic import ValidationError

from recognition_engine.levels import Level


def test_eqf_is_official_identity():
    m = Level(framework="eqf", value=6).to_eqf()
    assert (m.eqf_level, m.provenance) == (6, "official")


def test_qf_ehea_cycle():
    level = Level.model_validate({"framework": "QF-EHEA", "value": "Second cycle"})
    assert level.value == "second_cycle"
    assert level.to_eqf().eqf_level == 7


def test_vqf_mapping_is_assumed():
    m = Level(framework="VQF", value="6").to_eqf()
    assert (m.eqf_level, m.provenance) == (6, "assumed")
    assert m.source


def test_bare_integer_is_eqf():
    assert Level.model_validate(5) == Level(framework="EQF", value="5")


def test_irish_nfq_level_8_is_eqf_6():
    assert Level(framework="IE-NFQ", value="8").to_eqf().eqf_level == 6


@pytest.mark.parametrize(
    "data, message",
    [({"framework": "XYZ", "value": 1}, "unknown framework 'XYZ'"), ({"framework": "EQF", "value": 9}, "EQF has no level '9'")],
)
def test_unknown_framework_or_level(data, message):
    with pytest.raises(ValidationError, match=message):
        Level.model_validate(data)
