"""Read-only PMS readers. ``open_reader`` picks the vendor's reader from the connection settings."""

from __future__ import annotations

from engage_desktop.pms.odbc import ConnectionSettings, Vendor


def open_reader(settings: ConnectionSettings):  # -> PmsReader
    """Build the reader for ``settings.vendor``; nothing connects until the first read."""
    if settings.vendor is Vendor.OPEN_DENTAL:
        from engage_desktop.pms.opendental import OpenDentalReader

        return OpenDentalReader(settings)
    if settings.vendor is Vendor.DENTRIX:
        from engage_desktop.pms.dentrix import DentrixReader

        return DentrixReader(settings)
    if settings.vendor is Vendor.EAGLESOFT:
        from engage_desktop.pms.eaglesoft import EaglesoftReader

        return EaglesoftReader(settings)
    raise ValueError(f"unknown PMS vendor: {settings.vendor!r}")


__all__ = ["ConnectionSettings", "Vendor", "open_reader"]
