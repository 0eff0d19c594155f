"""PySide6 6.12.0 drops a reference to None/True on every void call and Signal.emit; on Python
3.11 the interpreter then aborts ("deallocating None"). pyproject pins PySide6 below 6.12; this
test fails if an upgrade brings the bug back."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel


class _Emitter(QObject):
    fired = Signal(int)


def test_void_calls_and_emits_keep_singleton_reference_counts(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    emitter = _Emitter()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(200):
        label.setText("x")
        emitter.fired.emit(1)
    assert sys.getrefcount(None) >= none_before - 5  # a few temporaries may come and go
    assert sys.getrefcount(True) >= true_before - 5
