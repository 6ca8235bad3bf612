"""Station passwords (OCPP 1.6 AuthorizationKey, 2.0.1 BasicAuthPassword): stored hashed.

A 1.6 AuthorizationKey is configured on the charger as 16-40 bytes written in hex; firmwares
then send either the raw bytes or the hex text itself as the HTTP Basic password. We hash the
key's bytes, and at the handshake accept the password as given or, when it is hex, the bytes
it spells. Hashes are salted scrypt; a small cache of verified (hash, password) pairs keeps a
reconnect storm from re-running scrypt for every station.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
from collections import OrderedDict
from typing import Final

from csms.errors import InvalidInput

_N: Final = 2**13
_R: Final = 8
_P: Final = 1
MIN_KEY_BYTES: Final = 16
MAX_KEY_BYTES: Final = 40
_CACHE_SIZE: Final = 100_000
_verified: OrderedDict[bytes, None] = OrderedDict()


def key_bytes(password: str, *, hex_key: bool = False) -> bytes:
    """The key's bytes: the text as UTF-8, or the bytes a hex key spells.

    Raises:
        InvalidInput: not 16-40 bytes (1.6 AuthorizationKey), or bad hex.
    """
    if hex_key:
        try:
            raw = bytes.fromhex(password)
        except ValueError as exc:
            raise InvalidInput("the key is not valid hex") from exc
    else:
        raw = password.encode()
    if not MIN_KEY_BYTES <= len(raw) <= MAX_KEY_BYTES:
        raise InvalidInput(
            f"a station password is {MIN_KEY_BYTES}-{MAX_KEY_BYTES} bytes, not {len(raw)}"
        )
    return raw


def hash_password(password: str, *, hex_key: bool = False) -> str:
    """``scrypt$N$r$p$salt$hash`` of the key's bytes with a random 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(key_bytes(password, hex_key=hex_key), salt=salt, n=_N, r=_R, p=_P)
    parts = ["scrypt", str(_N), str(_R), str(_P)]
    return "$".join([*parts, base64.b64encode(salt).decode(), base64.b64encode(digest).decode()])


def _candidates(password: str) -> list[bytes]:
    """The password as sent, and the bytes it spells when it is hex (1.6 key forms)."""
    found = [password.encode()]
    if len(password) % 2 == 0 and password and all(c in string.hexdigits for c in password):
        found.append(bytes.fromhex(password))
    return found


def _matches(candidate: bytes, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    computed = hashlib.scrypt(candidate, salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(computed, base64.b64decode(digest))


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of a Basic password (raw or hex form) against a stored hash."""
    cache_key = hashlib.sha256(stored.encode() + b"\0" + password.encode()).digest()
    if cache_key in _verified:
        _verified.move_to_end(cache_key)
        return True
    if not any(_matches(candidate, stored) for candidate in _candidates(password)):
        return False
    _verified[cache_key] = None
    if len(_verified) > _CACHE_SIZE:
        _verified.popitem(last=False)
    return True
