"""Random secrets handed to browsers or mail, and their stored hashes."""

import hashlib
import secrets


def new_secret(bits: int = 256) -> str:
    """A URL-safe random secret of the given strength."""
    return secrets.token_urlsafe(bits // 8)


def secret_hash(secret: str) -> str:
    """What the database keeps instead of the secret: its SHA-256 in hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
