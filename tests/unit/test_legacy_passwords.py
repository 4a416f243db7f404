"""Old portal hashes: every format recognised, checked right, and slow enough to tell nothing."""

import hashlib
import time

import bcrypt
import pytest

from lk_app.services.legacy_passwords import is_legacy, legacy_scheme, stored_legacy_hash
from lk_app.services.passwords import hash_password, verify_password

PASSWORD = "Старый-пароль-1"
SECRET = PASSWORD.encode()


def _formats() -> dict[str, str]:
    salt = "x9Q"
    return {
        "bcrypt $2b$": bcrypt.hashpw(SECRET, bcrypt.gensalt(4)).decode(),
        "bcrypt $2a$": bcrypt.hashpw(SECRET, bcrypt.gensalt(4, prefix=b"2a")).decode(),
        "bcrypt $2y$": "$2y$" + bcrypt.hashpw(SECRET, bcrypt.gensalt(4)).decode()[4:],
        "md5": hashlib.md5(SECRET).hexdigest(),
        "MD5 upper case": hashlib.md5(SECRET).hexdigest().upper(),
        "sha1": hashlib.sha1(SECRET).hexdigest(),
        "sha256": hashlib.sha256(SECRET).hexdigest(),
        "salt$sha256(salt+password)": f"{salt}${hashlib.sha256(salt.encode() + SECRET).hexdigest()}",
        "salt$sha256(password+salt)": f"{salt}${hashlib.sha256(SECRET + salt.encode()).hexdigest()}",
    }


@pytest.mark.parametrize("name", list(_formats()))
def test_every_old_format_accepts_its_password_and_nothing_else(name):
    stored = stored_legacy_hash(_formats()[name])
    assert is_legacy(stored)
    assert verify_password(PASSWORD, stored)
    assert not verify_password(PASSWORD + "x", stored)
    assert not verify_password("", stored)


@pytest.mark.parametrize("old_hash", ["", "plain-text-password", "abc123", "$1$saltsalt$qwertyuiopasdfghjklzx", "g" * 32, "a" * 33])
def test_unknown_formats_are_refused_at_import(old_hash):
    assert legacy_scheme(old_hash) is None
    with pytest.raises(ValueError):
        stored_legacy_hash(old_hash)


def test_new_hashes_are_not_legacy():
    assert not is_legacy(hash_password(PASSWORD))


def test_a_fast_old_digest_takes_as_long_as_bcrypt(settings):
    settings(LK_BCRYPT_ROUNDS="10")
    modern = hash_password(PASSWORD)
    legacy = stored_legacy_hash(hashlib.md5(SECRET).hexdigest())

    def seconds(stored: str) -> float:
        started = time.perf_counter()
        verify_password("wrong-password-1", stored)
        return time.perf_counter() - started

    assert seconds(legacy) > 0.5 * seconds(modern)


# 37 Cyrillic letters: 74 bytes in UTF-8, over bcrypt's 72; the old portal's PHP read only the first 72.
LONG_PASSWORD = "Ё" * 37


def test_a_long_password_matches_an_old_bcrypt_of_its_first_72_bytes_as_php_did():
    php_hash = "$2y$" + bcrypt.hashpw(LONG_PASSWORD.encode()[:72], bcrypt.gensalt(4)).decode()[4:]
    stored = stored_legacy_hash(php_hash)
    assert verify_password(LONG_PASSWORD, stored)
    assert verify_password(LONG_PASSWORD + "anything after byte 72", stored)


def test_a_wrong_long_password_is_refused_after_a_full_check():
    stored = stored_legacy_hash("$2y$" + bcrypt.hashpw(SECRET, bcrypt.gensalt(10)).decode()[4:])

    def seconds(password: str) -> float:
        started = time.perf_counter()
        assert not verify_password(password, stored)
        return time.perf_counter() - started

    assert seconds(LONG_PASSWORD) > 0.5 * seconds("wrong-password-1")
