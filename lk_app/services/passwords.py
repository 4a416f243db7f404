"""Password rules, hashing with bcrypt and the constant-time check for unknown users."""

import base64
import enum
import hashlib
import os
import threading
from dataclasses import dataclass
from functools import lru_cache

import bcrypt
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from lk_app.services.legacy_passwords import is_legacy, legacy_scheme_of, verify_legacy
from lk_app.settings import get_settings

# bcrypt reads at most 72 bytes; a 20-character Cyrillic or emoji password can be longer,
# so the password is first reduced to a fixed-size digest and never truncated.
_SCHEME = "lk-bcrypt-sha256$"
# A login storm runs a check per request thread: more checks at once than cores finish no sooner, and starve the
# event loop that answers everyone else. The others wait for a core without spending one.
_HASHING = threading.BoundedSemaphore(os.cpu_count() or 1)


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str) -> str:
    """A bcrypt hash of the password at the configured cost."""
    salt = bcrypt.gensalt(rounds=get_settings().bcrypt_rounds)
    with _HASHING:
        return _SCHEME + bcrypt.hashpw(_prehash(password), salt).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    """Whether the password matches a hash made by `hash_password`, or an old portal's hash not yet replaced."""
    if is_legacy(password_hash):
        matched = verify_legacy(password, password_hash)
        if legacy_scheme_of(password_hash) != "bcrypt":
            burn_verify_time(password)  # an old fast digest must not answer sooner than bcrypt would
        return matched
    if not password_hash.startswith(_SCHEME):
        return False
    with _HASHING:
        return bcrypt.checkpw(_prehash(password), password_hash[len(_SCHEME):].encode("ascii"))


@lru_cache
def _dummy_hash(rounds: int) -> str:
    return hash_password("dummy password for unknown users")


def burn_verify_time(password: str) -> None:
    """Spend the time of one real check, so an unknown login answers as slowly as a known one."""
    verify_password(password, _dummy_hash(get_settings().bcrypt_rounds))


@lru_cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


class PasswordRefusal(enum.Enum):
    """Why a new password is refused."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    COMMON = "common"  # among the passwords that guessers try first
    LIKE_IDENTIFIER = "like_identifier"  # the login, the account number or the e-mail
    CONFIRMATION_DIFFERS = "confirmation_differs"


@dataclass(frozen=True)
class PasswordProblem:
    """A refused password: the rule it broke and, for a length, the bound it crossed."""

    refusal: PasswordRefusal
    limit: int = 0


def password_problem(password: str, confirmation: str, *, forbidden: tuple[str, ...] = ()) -> PasswordProblem | None:
    """Why the new password is refused, or None when it is acceptable."""
    settings = get_settings()
    if len(password) < settings.password_min_length:
        return PasswordProblem(PasswordRefusal.TOO_SHORT, settings.password_min_length)
    if len(password) > settings.password_max_length:
        return PasswordProblem(PasswordRefusal.TOO_LONG, settings.password_max_length)
    if password.casefold() in _common_passwords():
        return PasswordProblem(PasswordRefusal.COMMON)
    if any(item and password.casefold() == item.casefold() for item in forbidden):
        return PasswordProblem(PasswordRefusal.LIKE_IDENTIFIER)
    if password != confirmation:
        return PasswordProblem(PasswordRefusal.CONFIRMATION_DIFFERS)
    return None
