import pytest
from django.core.exceptions import ValidationError

from annuaire.models import Establishment, department_from_uai, uai_check_letter, validate_uai


@pytest.mark.parametrize("uai", ["0540038Y", "0570054Z", "0550002D", "0880020U", "0540038y"])
def test_valid_uai(uai):
    validate_uai(uai)


@pytest.mark.parametrize("uai", ["0540038A", "0570054Y", "0550002E", "0540038I"])
def test_wrong_check_letter_is_refused(uai):
    with pytest.raises(ValidationError) as exc:
        validate_uai(uai)
    assert exc.value.code == "check_letter"


@pytest.mark.parametrize("uai", ["", "054003Y", "05400388", "X540038Y", "0540038YY", None])
def test_bad_shape_is_refused(uai):
    with pytest.raises(ValidationError) as exc:
        validate_uai(uai)
    assert exc.value.code == "format"


def test_check_letter_rule():
    assert uai_check_letter("0540038") == "Y"
    assert "ABCDEFGHJKLMNPRSTUVWXYZ"[540038 % 23] == "Y"


@pytest.mark.parametrize(
    ("uai", "dep"),
    [("0540038Y", "54"), ("0570054Z", "57"), ("0550002D", "55"), ("0880020U", "88"), ("9760001A", "976")],
)
def test_department_from_uai(uai, dep):
    assert department_from_uai(uai) == dep


def test_establishment_department_comes_from_its_uai(db):
    est = Establishment.objects.create(uai="0570054z", name="Lycée Fabert", kind="lycee", department="99")
    est.refresh_from_db()
    assert (est.uai, est.department) == ("0570054Z", "57")
