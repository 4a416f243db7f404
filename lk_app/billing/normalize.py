"""Normal forms of what customers and billing files write: account numbers and surnames."""

import re

_NUMBER_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")
_ACCOUNT_NUMBER = re.compile(r"[0-9]{6,15}")


def normalize_account_number(text: str) -> str | None:
    """The account number without spaces and dashes, or None unless that leaves 6–15 digits."""
    number = text if text.isdigit() else _NUMBER_SEPARATORS.sub("", text)
    return number if _ACCOUNT_NUMBER.fullmatch(number) else None


def surname_key(text: str) -> str:
    """A surname as first login compares it: trimmed, single-spaced, case-folded, ё read as е."""
    return " ".join(text.split()).casefold().replace("ё", "е")
