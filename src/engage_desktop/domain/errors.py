"""Errors the domain and services raise. Messages are safe to show: they never carry patient data."""


class EngageError(Exception):
    """Base class for errors with a message meant for the user."""


class ConfigurationError(EngageError):
    """Settings are missing or contradictory."""


class PmsError(EngageError):
    """Reading from the practice-management system failed."""


class SyncCancelled(EngageError):
    """The user cancelled a sync; what was committed so far stays."""


class PmsConnectionError(PmsError):
    """Connecting failed; ``kind`` (a FailureKind value) says which part to fix."""

    def __init__(self, kind: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.detail = detail  # the driver's own text, for the technician; holds no patient data


class ValidationFailed(EngageError):
    """Input was refused; ``errors`` maps each wrong field to what is wrong with it. Nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()) or "The input is not valid.")
        self.errors = dict(errors)

    def __reduce__(self):
        return (type(self), (self.errors,))


class NotSignedIn(EngageError):
    """A use case that needs a signed-in user was called with nobody signed in."""
