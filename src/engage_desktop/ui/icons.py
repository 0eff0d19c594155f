"""Small icons drawn with QPainter: crisp at any scale, nothing to download or package."""

from __future__ import annotations

import math
from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from engage_desktop.ui import theme


def _canvas(size: int) -> tuple[QPixmap, QPainter]:
    pixmap = QPixmap(size * 2, size * 2)  # drawn at 2x so it stays sharp on high-DPI screens
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pixmap, painter


def _pen(color: str, width: float) -> QPen:
    pen = QPen(QColor(color), width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


@cache
def person(color: str = theme.NAV_ICON, size: int = 20) -> QIcon:
    pixmap, p = _canvas(size)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(color))
    s = size
    p.drawEllipse(QRectF(s * 0.32, s * 0.1, s * 0.36, s * 0.36))
    body = QPainterPath()
    body.moveTo(s * 0.12, s * 0.92)
    body.cubicTo(s * 0.12, s * 0.55, s * 0.88, s * 0.55, s * 0.88, s * 0.92)
    body.closeSubpath()
    p.drawPath(body)
    p.end()
    return QIcon(pixmap)


@cache
def gear(color: str = theme.NAV_ICON, size: int = 20) -> QIcon:
    pixmap, p = _canvas(size)
    c = size / 2
    path = QPainterPath()
    teeth = 8
    for i in range(teeth * 2):
        angle = math.pi * i / teeth
        radius = size * (0.46 if i % 2 == 0 else 0.34)
        point = QPointF(c + radius * math.cos(angle), c + radius * math.sin(angle))
        path.moveTo(point) if i == 0 else path.lineTo(point)
    path.closeSubpath()
    hole = QPainterPath()
    hole.addEllipse(QPointF(c, c), size * 0.14, size * 0.14)
    p.setPen(_pen(color, size * 0.06))
    p.setBrush(QColor(color))
    p.drawPath(path.subtracted(hole))
    p.end()
    return QIcon(pixmap)


@cache
def shield(color: str = theme.NAV_ICON, size: int = 20) -> QIcon:
    """The audit log: a shield with a tick."""
    pixmap, p = _canvas(size)
    s = size
    outline = QPainterPath()
    outline.moveTo(s * 0.5, s * 0.06)
    outline.lineTo(s * 0.86, s * 0.2)
    outline.cubicTo(s * 0.86, s * 0.58, s * 0.72, s * 0.8, s * 0.5, s * 0.95)
    outline.cubicTo(s * 0.28, s * 0.8, s * 0.14, s * 0.58, s * 0.14, s * 0.2)
    outline.closeSubpath()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(color))
    p.drawPath(outline)
    p.setPen(_pen(theme.SIDEBAR, s * 0.1))
    p.drawPolyline([QPointF(s * 0.33, s * 0.5), QPointF(s * 0.46, s * 0.63), QPointF(s * 0.68, s * 0.38)])
    p.end()
    return QIcon(pixmap)


@cache
def check(color: str = theme.SUCCESS, size: int = 18) -> QIcon:
    pixmap, p = _canvas(size)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(color))
    p.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1))
    p.setPen(_pen("#ffffff", size * 0.13))
    p.drawPolyline([QPointF(size * 0.27, size * 0.52), QPointF(size * 0.44, size * 0.68), QPointF(size * 0.74, size * 0.34)])
    p.end()
    return QIcon(pixmap)


@cache
def cross(color: str = theme.DANGER, size: int = 18) -> QIcon:
    pixmap, p = _canvas(size)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(color))
    p.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1))
    p.setPen(_pen("#ffffff", size * 0.13))
    a, b = size * 0.33, size * 0.67
    p.drawLine(QPointF(a, a), QPointF(b, b))
    p.drawLine(QPointF(b, a), QPointF(a, b))
    p.end()
    return QIcon(pixmap)


@cache
def broken_link(color: str = theme.WARNING, size: int = 16) -> QIcon:
    """Marks an unlinked patient (no PMS chart yet), as front desks know it from Engagement."""
    pixmap, p = _canvas(size)
    p.setPen(_pen(color, size * 0.12))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(QRectF(size * 0.05, size * 0.3, size * 0.38, size * 0.4), size * 0.15, size * 0.15)
    p.drawRoundedRect(QRectF(size * 0.57, size * 0.3, size * 0.38, size * 0.4), size * 0.15, size * 0.15)
    p.drawLine(QPointF(size * 0.5, size * 0.05), QPointF(size * 0.5, size * 0.2))
    p.drawLine(QPointF(size * 0.5, size * 0.8), QPointF(size * 0.5, size * 0.95))
    p.end()
    return QIcon(pixmap)


@cache
def search(color: str = theme.MUTED, size: int = 16) -> QIcon:
    pixmap, p = _canvas(size)
    p.setPen(_pen(color, size * 0.11))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QRectF(size * 0.12, size * 0.12, size * 0.52, size * 0.52))
    p.drawLine(QPointF(size * 0.58, size * 0.58), QPointF(size * 0.88, size * 0.88))
    p.end()
    return QIcon(pixmap)
