"""Password rules and hashing, e-mail and phone normal forms."""

import pytest

from lk_app.normal_forms import normalize_email, normalize_phone
from lk_app.services.passwords import hash_password, password_problem, verify_password
from lk_app.texts.access import password_refusal


@pytest.fixture(autouse=True)
def fast_bcrypt(settings):
    settings(LK_BCRYPT_ROUNDS="4")


@pytest.mark.parametrize(
    ("password", "confirmation", "expected"),
    [
        ("Ab3$xyz", "Ab3$xyz", "не менее 8"),  # 7 characters
        ("Ab3$xyzQ" * 2 + "Ab3$x", "Ab3$xyzQ" * 2 + "Ab3$x", "не более 20"),  # 21 characters
        ("qwerty123", "qwerty123", "распространён"),
        ("Ab3$xyzQw", "Ab3$xyzQe", "не совпадают"),
        ("123456789012", "123456789012", "не должен совпадать"),
    ],
)
def test_password_refusals_name_the_reason(password, confirmation, expected):
    assert expected in password_refusal(password_problem(password, confirmation, forbidden=("123456789012",)))


def test_password_equal_to_email_is_refused_case_insensitively():
    assert "не должен совпадать" in password_refusal(password_problem("Ivan@Mail.ru", "Ivan@Mail.ru", forbidden=("ivan@mail.ru",)))


def test_good_passwords_pass_at_both_ends_of_the_length():
    assert password_problem("Зелёный1", "Зелёный1") is None  # 8 characters
    assert password_problem("Ёлка-в-лесу-2026-год", "Ёлка-в-лесу-2026-год") is None  # 20 characters


def test_long_unicode_passwords_are_never_truncated():
    # 20 four-byte characters are 80 bytes: past bcrypt's 72-byte limit.
    password = "😀" * 19 + "a"
    other = "😀" * 19 + "b"
    hashed = hash_password(password)
    assert verify_password(password, hashed)
    assert not verify_password(other, hashed)


def test_foreign_hashes_do_not_verify():
    assert not verify_password("anything", "$2b$04$" + "a" * 53)


@pytest.mark.parametrize(
    "typed", ["8 (912) 345-67-89", "+7 912 3456789", "89123456789", "+7(912)345 67 89", "7-912-345-67-89"]
)
def test_russian_mobile_numbers_in_common_spellings(typed):
    assert normalize_phone(typed) == "+79123456789"


@pytest.mark.parametrize("typed", ["+7 495 123-45-67", "+1 202 555 0100", "12345", "телефон"])
def test_non_mobile_or_foreign_numbers_are_refused(typed):
    assert normalize_phone(typed) is None


def test_email_is_syntax_checked_and_its_domain_lowered():
    assert normalize_email(" Ivan.Petrov@Example.RU ") == "Ivan.Petrov@example.ru"
    assert normalize_email("ivan@") is None
    assert normalize_email("ivan petrov@example.ru") is None
