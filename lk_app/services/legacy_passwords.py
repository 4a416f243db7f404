"""Password hashes of the old portal: recognised at import, checked at login, replaced by bcrypt at the first success."""

import hashlib
import hmac
import re

import bcrypt

LEGACY_PREFIX = "legacy-"
_FORMATS = (
    ("bcrypt", re.compile(r"\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}")),
    ("md5", re.compile(r"[0-9a-fA-F]{32}")),
    ("sha1", re.compile(r"[0-9a-fA-F]{40}")),
    ("sha256", re.compile(r"[0-9a-fA-F]{64}")),
    ("salted-sha256", re.compile(r"[^$\s]{1,64}\$[0-9a-fA-F]{64}")),
)
_BCRYPT_MAX_BYTES = 72
_DIGESTS = {"md5": hashlib.md5, "sha1": hashlib.sha1, "sha256": hashlib.sha256}


def legacy_scheme(old_hash: str) -> str | None:
    """The old portal's format of a hash (bcrypt, md5, sha1, sha256, salted-sha256), or None when it is none of them."""
    return next((name for name, pattern in _FORMATS if pattern.fullmatch(old_hash)), None)


def stored_legacy_hash(old_hash: str) -> str:
    """How LK keeps an old hash until the first login replaces it; ValueError for an unknown format."""
    scheme = legacy_scheme(old_hash.strip())
    if scheme is None:
        raise ValueError("not a password hash format of the old portal")
    return f"{LEGACY_PREFIX}{scheme}:{old_hash.strip()}"


def is_legacy(stored: str) -> bool:
    """Whether a stored hash is still the old portal's."""
    return stored.startswith(LEGACY_PREFIX)


def legacy_scheme_of(stored: str) -> str:
    """The old format a stored legacy hash is in."""
    return stored.removeprefix(LEGACY_PREFIX).partition(":")[0]


def verify_legacy(password: str, stored: str) -> bool:
    """Whether the password matches an old portal's hash kept by `stored_legacy_hash`."""
    scheme, old_hash = legacy_scheme_of(stored), stored.partition(":")[2]
    secret = password.encode("utf-8")
    if scheme == "bcrypt":
        # PHP's $2y$ is the same algorithm as $2b$; the library knows it by the latter name. PHP's password_verify
        # reads only the first 72 bytes, as bcrypt always did; bcrypt 5 raises on more instead of truncating.
        return bcrypt.checkpw(secret[:_BCRYPT_MAX_BYTES], ("$2b$" + old_hash[4:]).encode("ascii"))
    if scheme in _DIGESTS:
        return hmac.compare_digest(_DIGESTS[scheme](secret).hexdigest(), old_hash.lower())
    if scheme == "salted-sha256":
        salt, _, digest = old_hash.rpartition("$")
        # The old portal's order of salt and password is not documented: either one matches.
        candidates = (hashlib.sha256(salt.encode() + secret), hashlib.sha256(secret + salt.encode()))
        return any(hmac.compare_digest(c.hexdigest(), digest.lower()) for c in candidates)
    return False
