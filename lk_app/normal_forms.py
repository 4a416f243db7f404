"""Normal forms of what customers and billing files write: e-mail, phone, account number, surname (the ground floor)."""

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email


def normalize_email(text: str) -> str | None:
    """The address with a lower-case domain, or None when its syntax is wrong (no DNS look-up)."""
    try:
        checked = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    local, _, domain = checked.normalized.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalize_phone(text: str) -> str | None:
    """A Russian mobile number as +7XXXXXXXXXX, or None when it is not one."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.strip().startswith("8") and len(digits) == 11:
        digits = "7" + digits[1:]
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 7 or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        return None
    if not phonenumbers.is_valid_number_for_region(number, "RU"):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# A stored mobile number as people read it, «+7 912 345-67-89», with no-break spaces; plain hyphens, so that it
# reads and is found as typed (Chromium may break after one: the pages show it in a `white-space: nowrap` span,
# `components.forms.phone_number`, which formats the numbers of a page's state with the same pattern and layout).
SHOWN_PHONE_PATTERN = r"^\+7(\d{3})(\d{3})(\d{2})(\d{2})$"
SHOWN_PHONE_LAYOUT = "+7\u00a0{}\u00a0{}-{}-{}"


def display_phone(e164: str) -> str:
    """+79123456789 as «+7 912 345-67-89» on one line; anything that is not a stored mobile number as it is."""
    match = re.fullmatch(SHOWN_PHONE_PATTERN, e164)
    return SHOWN_PHONE_LAYOUT.format(*match.groups()) if match else e164


_NUMBER_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")
_ACCOUNT_NUMBER = re.compile(r"[0-9]{6,15}")


def normalize_account_number(text: str) -> str | None:
    """The account number without spaces and dashes, or None unless that leaves 6–15 digits."""
    number = text if text.isdigit() else _NUMBER_SEPARATORS.sub("", text)
    return number if _ACCOUNT_NUMBER.fullmatch(number) else None


def surname_key(text: str) -> str:
    """A surname as first login compares it: trimmed, single-spaced, case-folded, ё read as е."""
    return " ".join(text.split()).casefold().replace("ё", "е")
