"""Password hashing with Argon2id, and API token generation and hashing."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified when the username is unknown, so a wrong username takes as long as a wrong password.
_dummy_hash = _hasher.hash("pactline-timing-equaliser")

TOKEN_PREFIX = "pl_"  # noqa: S105 - a marker, not a secret
MIN_PASSWORD_LENGTH = 10


def use_fast_hashing() -> None:
    """Cheap Argon2 parameters for the test suite only; never call this in a server."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _dummy_hash = _hasher.hash("pactline-timing-equaliser")


def hash_password(password: str) -> str:
    """An Argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if the password matches; always spends the same effort."""
    try:
        return _hasher.verify(password_hash or _dummy_hash, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older parameters."""
    return _hasher.check_needs_rehash(password_hash)


def new_api_token() -> tuple[str, str, str]:
    """A new token as (token, prefix shown in lists, stored hash)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token[: len(TOKEN_PREFIX) + 6], hash_token(token)


def hash_token(token: str) -> str:
    """SHA-256 of a token. Tokens are 256-bit random, so a slow hash adds nothing."""
    return hashlib.sha256(token.encode()).hexdigest()
