"""Engage Desktop: patient engagement for dental practices."""

__version__ = "0.1.0"
