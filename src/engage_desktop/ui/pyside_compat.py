"""A guard for a PySide6 reference-count bug on Python 3.11.

PySide6 6.12 hands ``None`` (from every void method: ``setText``, ``update``, ...) and
``True`` (from ``Signal.emit``) back to Python without taking a reference. From Python 3.12
these objects are immortal and nothing happens; on 3.11 each call lowers their count by one,
and after a few thousand calls the interpreter aborts with "deallocating None/True". Until the
project moves to Python 3.12 or a fixed PySide6, we raise their counts so far that no session
can use them up. The singletons are never freed anyway, so the extra counts cost nothing.
"""

from __future__ import annotations

import ctypes
import platform
import sys

_HEADROOM = 1 << 40  # a trillion calls


def protect_singletons() -> bool:
    """Give None/True/False enough headroom; returns whether anything had to be done."""
    if sys.version_info >= (3, 12) or platform.python_implementation() != "CPython":
        return False  # immortal there
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt is the first field
        if refcount.value < _HEADROOM:
            refcount.value += _HEADROOM
    return True
