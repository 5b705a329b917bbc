"""Password hashing (argon2id) as a Flask extension: each application keeps its own hasher.

The cost comes from the application's PASSWORD_HASH_PROFILE, and lives in `app.extensions`, so
that building one application (a production one in a test, say) never changes another's cost.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

PROFILES = {
    "standard": profiles.RFC_9106_LOW_MEMORY,  # the library's recommendation (RFC 9106)
    "cheapest": profiles.CHEAPEST,  # the test suite only: never in production
}


@dataclass
class _AppHasher:
    hasher: PasswordHasher
    _dummy: str | None = field(default=None, repr=False)
    # How many hashes were verified, against an account's ("account") or the dummy ("dummy"):
    # every sign-in attempt verifies exactly one, whatever the answer (the suite reads this).
    verified: Counter = field(default_factory=Counter)
    _count_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def dummy_hash(self) -> str:
        """A hash to verify against when the e-mail is unknown, so timing reveals nothing."""
        if self._dummy is None:
            self._dummy = self.hasher.hash("not-a-real-password")
        return self._dummy


class Passwords:
    """Hash and check passwords with the current application's argon2id parameters."""

    def init_app(self, app: Flask) -> None:
        profile = PROFILES[app.config["PASSWORD_HASH_PROFILE"]]
        app.extensions["password_hasher"] = _AppHasher(PasswordHasher.from_parameters(profile))

    @property
    def _current(self) -> _AppHasher:
        return current_app.extensions["password_hasher"]

    def hash(self, password: str) -> str:
        """Hash a password."""
        return self._current.hasher.hash(password)

    def check(self, password_hash: str | None, password: str) -> bool:
        """Return whether the password matches; without a hash, spend the same time and say no."""
        current = self._current
        with current._count_lock:
            current.verified["account" if password_hash else "dummy"] += 1
        try:
            matches = current.hasher.verify(password_hash or current.dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return matches and password_hash is not None

    @property
    def verified(self) -> Counter:
        """How many hashes this application has verified, by kind ("account", "dummy")."""
        return self._current.verified

    def needs_rehash(self, password_hash: str) -> bool:
        """Return whether a stored hash was made with other parameters than the current ones."""
        try:
            return self._current.hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
