"""Secrets in the operating system's keyring (Windows Credential Manager, macOS Keychain,
Secret Service). Never in the config file or the database."""

from __future__ import annotations

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from engage_desktop.domain.errors import ConfigurationError

SERVICE = "engage-desktop"


class KeyringSecretStore:
    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def get(self, key: str) -> str | None:
        try:
            return keyring.get_password(self.service, key)
        except KeyringError as exc:
            raise ConfigurationError(
                "The system keyring is not available, so the saved password cannot be read "
                f"({type(exc).__name__}). On Linux, install and unlock a Secret Service such as GNOME Keyring."
            ) from exc

    def set(self, key: str, value: str) -> None:
        try:
            keyring.set_password(self.service, key, value)
        except KeyringError as exc:
            raise ConfigurationError(
                f"The password could not be saved: the system keyring is not available ({type(exc).__name__})."
            ) from exc

    def delete(self, key: str) -> None:
        try:
            keyring.delete_password(self.service, key)
        except PasswordDeleteError:
            pass
