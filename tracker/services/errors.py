"""The project's own exceptions, raised by services and turned into pages by the app."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class for errors a service reports to its caller."""


class NotFound(ServiceError):
    """The thing does not exist, or the user may not know that it does."""


class Forbidden(ServiceError):
    """The user may see the organisation but may not do this."""


class InvalidInput(ServiceError):
    """Input that breaks a rule; `errors` maps a field name to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class StaleEdit(ServiceError):
    """Someone saved the same thing since it was loaded: `changed` maps field to its new value."""

    def __init__(self, changed: dict[str, str], current_version: int):
        super().__init__(", ".join(changed))
        self.changed = changed
        self.current_version = current_version


class Locked(ServiceError):
    """The thing was signed off and can only be amended, not edited."""
