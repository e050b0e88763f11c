"""Password hashing with argon2id at OWASP's recommended minimum (m=19 MiB, t=2, p=1)."""
from __future__ import annotations

from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..translatable import N_

# OWASP's minimum for argon2id: 19 MiB of memory, 2 iterations, 1 lane.
OWASP_MEMORY_KIB = 19 * 1024
OWASP_TIME_COST = 2

_hasher = PasswordHasher(time_cost=OWASP_TIME_COST, memory_cost=OWASP_MEMORY_KIB, parallelism=1, hash_len=32,
                         salt_len=16)


def configure(*, memory_kib: int = OWASP_MEMORY_KIB, time_cost: int = OWASP_TIME_COST, allow_weak: bool = False) -> None:
    """Set the argon2id cost. Below OWASP's minimum only when ``allow_weak`` (the test suite)."""
    global _hasher
    if not allow_weak and (memory_kib < OWASP_MEMORY_KIB or time_cost < OWASP_TIME_COST):
        raise ValueError("argon2id parameters below OWASP's minimum (m=19 MiB, t=2) are refused")
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1, hash_len=32, salt_len=16)

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200

# A dummy hash to spend the same time when the email is unknown (no account enumeration by timing).
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


def hash_password(password: str) -> str:
    """Hash ``password`` with argon2id."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; spends the same time when there is no hash."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than the current ones."""
    return _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str, translate: Callable[[str], str] = str) -> str | None:
    """A plain-language reason the password is not acceptable, or None.

    ``translate`` turns the marked English sentence into the reader's language (services pass gettext).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return translate(N_("Use at least %(count)s characters. A few words together make a good password.")) % {
            "count": MIN_PASSWORD_LENGTH}
    if len(password) > MAX_PASSWORD_LENGTH:
        return translate(N_("Use at most %(count)s characters.")) % {"count": MAX_PASSWORD_LENGTH}
    if password.strip() == "" or len(set(password)) < 4:
        return translate(N_("That password is too easy to guess."))
    return None
