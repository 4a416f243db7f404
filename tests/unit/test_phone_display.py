"""A stored phone as people read it: «+7 912 345-67-89», held together on one line."""

import pytest

from lk_app.normal_forms import display_phone, normalize_phone
from lk_app.texts.access import PHONE_EXAMPLE

# What the groups are joined by: no-break spaces (and plain hyphens, so it is found as typed).
ON_ONE_LINE = str.maketrans({" ": "\u00a0"})


@pytest.mark.parametrize("typed", ["8 (912) 345-67-89", "+7 912 3456789", "7-912-345-67-89"])
def test_a_normalized_mobile_number_reads_in_groups(typed):
    assert display_phone(normalize_phone(typed)) == "+7 912 345-67-89".translate(ON_ONE_LINE)


def test_the_hints_example_has_no_place_to_break_the_line():
    assert " " not in PHONE_EXAMPLE and "-" not in PHONE_EXAMPLE
    assert PHONE_EXAMPLE.count("\u00a0") == 2 and PHONE_EXAMPLE.count("\u2011") == 2


@pytest.mark.parametrize("stored", ["", "+7912345678", "+791234567890", "+12025550100", "89123456789", "+79123456789\n"])
def test_anything_but_a_stored_mobile_number_is_shown_as_it_is(stored):
    assert display_phone(stored) == stored
