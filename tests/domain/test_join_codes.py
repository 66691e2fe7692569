import random

import pytest

from app.domain import join_codes


def test_generate_uses_only_unambiguous_characters() -> None:
    rng = random.Random(1)
    codes = {join_codes.generate(rng) for _ in range(500)}
    assert all(join_codes.is_well_formed(c) for c in codes)
    assert not any(ch in code for code in codes for ch in "01ILO")


@pytest.mark.parametrize(("typed", "expected"), [(" abc-234 ", "ABC234"), ("x y z", "XYZ")])
def test_normalize_is_case_and_separator_insensitive(typed: str, expected: str) -> None:
    assert join_codes.normalize(typed) == expected


@pytest.mark.parametrize("code", ["ABC23", "ABC2345", "ABC230", "ABCDEI", ""])
def test_is_well_formed_rejects_wrong_length_or_alphabet(code: str) -> None:
    assert not join_codes.is_well_formed(code)
