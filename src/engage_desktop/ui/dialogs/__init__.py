"""Dialogs, grouped by subject."""
