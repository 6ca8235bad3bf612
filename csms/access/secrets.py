"""Secrets given to callers: 256 random bits, shown once, stored only as a SHA-256 digest.

A secret of 256 random bits cannot be guessed or brute-forced from its digest, so a fast
digest is enough (a slow password hash is for secrets people choose; docs/security.md) and
lets every request be checked with one indexed look-up. The prefix says what a secret is
(``csms_key_`` an API key, ``csms_app_`` a member's app token), so a leaked one is recognised.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

API_KEY_PREFIX: Final = "csms_key_"
APP_TOKEN_PREFIX: Final = "csms_app_"  # noqa: S105 (a prefix, not a secret)
_RANDOM_BYTES: Final = 32


def new_secret(prefix: str) -> str:
    """``prefix`` and 43 URL-safe characters (256 random bits)."""
    return prefix + secrets.token_urlsafe(_RANDOM_BYTES)


def digest(secret: str) -> str:
    """The stored form of a secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_digest(secret: str, stored: str) -> bool:
    return hmac.compare_digest(digest(secret), stored)
