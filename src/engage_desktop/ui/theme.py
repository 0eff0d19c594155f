"""The look: neutral greys, one accent colour, 13 px text. Widgets pick styles by objectName or
by a dynamic property (``role``), never by inline colours, so the palette lives here only."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

ACCENT = "#0f766e"
ACCENT_HOVER = "#115e59"
ACCENT_SOFT = "#e3f1ef"
TEXT = "#1f2933"
MUTED = "#66727f"
BORDER = "#d9dee4"
WINDOW = "#f4f6f8"
SURFACE = "#ffffff"
SIDEBAR = "#eaeef2"
NAV_ICON = "#4a5866"
SUCCESS = "#15803d"
DANGER = "#b42318"
WARNING = "#b45309"
FONT_PX = 13

STATUS_COLOURS = {  # badge (text, background) per PatientStatus value
    "active": ("#14532d", "#dcfce7"),
    "non_patient": ("#3f4a56", "#e8ecf0"),
    "inactive": ("#7c2d12", "#fdebd8"),
    "archived": ("#3f4a56", "#e8ecf0"),
    "deceased": ("#3f4a56", "#e2e5e9"),
    "prospective": ("#1e3a8a", "#dde7fb"),
    "unlinked": ("#854d0e", "#fef3c7"),  # not a chart: the broken-link colour
}

QSS = f"""
QWidget {{ color: {TEXT}; }}
QMainWindow, QWidget#Page {{ background: {WINDOW}; }}
QToolTip {{ color: {TEXT}; background: {SURFACE}; border: 1px solid {BORDER}; padding: 4px; }}

QListWidget#Sidebar {{
    background: {SIDEBAR}; border: none; border-right: 1px solid {BORDER};
    padding: 10px 8px; outline: 0; font-size: 14px;
}}
QListWidget#Sidebar::item {{ padding: 9px 10px; margin: 2px 0; border-radius: 6px; color: {TEXT}; }}
QListWidget#Sidebar::item:hover {{ background: #dde3e9; }}
QListWidget#Sidebar::item:selected {{ background: {SURFACE}; color: {ACCENT}; font-weight: 600; }}
QWidget#SettingsNavPanel {{ background: {SURFACE}; border-right: 1px solid {BORDER}; }}
QListWidget#SettingsNav {{ background: {SURFACE}; border: none; padding: 4px 8px; outline: 0; }}
QListWidget#SettingsNav::item {{ padding: 8px 10px; margin: 1px 0; border-radius: 6px; }}
QListWidget#SettingsNav::item:hover {{ background: #f0f3f6; }}
QListWidget#SettingsNav::item:selected {{ background: {ACCENT_SOFT}; color: {ACCENT}; font-weight: 600; }}
QLabel#AppName {{ font-size: 15px; font-weight: 700; color: {ACCENT}; padding: 14px 18px 6px 18px; background: {SIDEBAR}; }}
QFrame#WarningBox {{ background: #fff7e6; border: 1px solid #f3d29b; border-radius: 6px; }}
QLabel#DialogBrand {{ font-size: 15px; font-weight: 700; color: {ACCENT}; }}
QToolButton#UserButton {{
    background: transparent; border: none; border-top: 1px solid {BORDER}; padding: 10px 16px;
    text-align: left; color: {TEXT};
}}
QToolButton#UserButton:hover {{ background: #dde3e9; }}
QToolButton#UserButton::menu-indicator {{ image: none; width: 0; }}
QWidget#SidebarPanel {{ background: {SIDEBAR}; border-right: 1px solid {BORDER}; }}

QLabel#DemoBanner {{
    background: #fff4db; color: #6b4500; border-bottom: 1px solid #f0d9a8;
    padding: 8px 16px; font-weight: 600;
}}
QLabel#PageTitle {{ font-size: 20px; font-weight: 600; }}
QLabel#SectionTitle {{ font-size: 12px; font-weight: 700; color: {MUTED}; letter-spacing: 0.5px; }}
QLabel[role="muted"] {{ color: {MUTED}; }}
QLabel[role="small"] {{ color: {MUTED}; font-size: 12px; }}
QLabel[role="error"] {{ color: {DANGER}; font-size: 12px; }}
QLabel[role="danger"] {{ color: {DANGER}; }}
QLabel[role="success"] {{ color: {SUCCESS}; }}
QLabel[role="warning"] {{ color: {WARNING}; }}
QLabel#GroupCaption {{ font-weight: 600; }}
QLabel[role="link"] {{ color: {ACCENT}; }}
QLabel#CardName {{ font-size: 20px; font-weight: 600; }}
QLabel#Badge {{ border-radius: 9px; padding: 2px 9px; font-size: 12px; font-weight: 600; }}
QLabel#EmptyTitle {{ font-size: 16px; font-weight: 600; }}
QLabel#Banner {{ border-radius: 6px; padding: 10px 12px; font-weight: 600; }}
QLabel#Banner[role="success"] {{ background: #dcfce7; color: #14532d; border: 1px solid #a7e3bc; }}
QLabel#Banner[role="danger"] {{ background: #fdecea; color: {DANGER}; border: 1px solid #f5c2bc; }}
QLabel#Note {{
    background: {ACCENT_SOFT}; border: 1px solid #bfdcd7; border-radius: 6px; padding: 10px 12px;
}}

QFrame#Card {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 8px; }}
QFrame#Card QLabel {{ background: transparent; }}
QFrame#Rule {{ background: {BORDER}; max-height: 1px; border: none; }}
QScrollArea {{ border: none; background: transparent; }}
QScrollArea > QWidget > QWidget {{ background: transparent; }}

QLineEdit, QComboBox, QDateEdit {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 6px; padding: 6px 8px;
    selection-background-color: {ACCENT};
}}
QLineEdit:focus, QComboBox:focus, QDateEdit:focus {{ border: 1px solid {ACCENT}; }}
QLineEdit[invalid="true"] {{ border: 1px solid {DANGER}; }}
QLineEdit:disabled, QComboBox:disabled {{ background: #eef1f4; color: {MUTED}; }}
QLineEdit#SearchBox {{ padding: 8px 10px; font-size: 14px; }}
QComboBox::drop-down, QDateEdit::drop-down {{ border: none; width: 22px; }}
/* Selection colours and item padding reach a combo's list when it has a QStyledItemDelegate. */
QComboBox QAbstractItemView {{
    background: {SURFACE}; border: 1px solid {BORDER}; outline: 0;
    selection-background-color: {ACCENT_SOFT}; selection-color: {TEXT};  /* dark text stays readable */
}}
QComboBox QAbstractItemView::item {{ padding: 5px 8px; }}
/* A styled drop-down loses its arrow, and a combo or date field without one reads as a text box;
   the arrow is Qt's own, built into QtWidgets, so there is no file to ship. */
QComboBox::down-arrow, QDateEdit::down-arrow {{
    image: url(:/qt-project.org/styles/commonstyle/images/arrow-down-16.png); width: 9px; height: 9px;
}}

QPushButton {{
    background: {SURFACE}; border: 1px solid #c4cbd3; border-radius: 6px; padding: 7px 14px;
}}
QPushButton:hover {{ background: #f0f3f6; }}
QPushButton:pressed {{ background: #e4e9ee; }}
QPushButton:disabled {{ color: #9aa5b1; border-color: {BORDER}; background: #f3f5f7; }}
QPushButton[primary="true"] {{ background: {ACCENT}; color: white; border: 1px solid {ACCENT}; font-weight: 600; }}
QPushButton[primary="true"]:hover {{ background: {ACCENT_HOVER}; }}
QPushButton[primary="true"]:disabled {{ background: #9cc9c3; border-color: #9cc9c3; color: #f4f8f7; }}
QPushButton[flat="true"] {{ border: none; background: transparent; color: {ACCENT}; padding: 2px 0; text-align: left; }}
QPushButton[flat="true"]:hover {{ text-decoration: underline; }}

QTableView {{
    background: {SURFACE}; alternate-background-color: #f7f9fa; border: 1px solid {BORDER};
    border-radius: 8px; gridline-color: transparent; selection-background-color: {ACCENT_SOFT};
    selection-color: {TEXT}; outline: 0;
}}
QTableView::item {{ padding: 0 6px; border: none; }}
QHeaderView::section {{
    background: {SURFACE}; color: {MUTED}; font-weight: 600; font-size: 12px; border: none;
    border-bottom: 1px solid {BORDER}; padding: 7px 8px;
}}

/* The date fields' calendar: its day grid is a QTableView, so undo the list look above (the cell
   padding would squeeze the day names to "…"), and keep the month bar light. */
QCalendarWidget QAbstractItemView {{
    border: none; border-radius: 0; alternate-background-color: {SURFACE};
    selection-background-color: {ACCENT}; selection-color: white;
}}
QCalendarWidget QAbstractItemView::item {{ padding: 0; }}
QCalendarWidget QWidget#qt_calendar_navigationbar {{ background: {SURFACE}; border-bottom: 1px solid {BORDER}; }}
QCalendarWidget QToolButton {{
    color: {TEXT}; background: transparent; border: none; border-radius: 4px; padding: 4px 8px; font-weight: 600;
}}
QCalendarWidget QToolButton:hover {{ background: #f0f3f6; }}
QCalendarWidget QToolButton::menu-indicator {{ image: none; }}

QProgressBar {{
    background: #e6eaee; border: none; border-radius: 4px; height: 8px; text-align: center;
    color: transparent; max-height: 8px;
}}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 4px; }}
QStatusBar {{ background: {SURFACE}; border-top: 1px solid {BORDER}; color: {MUTED}; }}
QStatusBar QLabel {{ color: {MUTED}; padding: 0 8px; }}
QStatusBar[error="true"] {{ color: {DANGER}; font-weight: 600; }}
QCheckBox, QRadioButton {{ spacing: 8px; }}
QSplitter::handle {{ background: transparent; }}
QScrollBar:vertical {{ background: transparent; width: 12px; margin: 2px; }}
QScrollBar:horizontal {{ background: transparent; height: 12px; margin: 2px; }}
QScrollBar::handle {{ background: #c5ccd4; border-radius: 4px; }}
QScrollBar::handle:hover {{ background: #aab3bd; }}
QScrollBar::handle:vertical {{ min-height: 32px; }}
QScrollBar::handle:horizontal {{ min-width: 32px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: transparent; }}
"""


def apply(app: QApplication) -> None:
    font = QFont()
    # Windows first (the practices run it); the rest keep Linux and CI screenshots tidy.
    font.setFamilies(["Segoe UI", "Noto Sans", "DejaVu Sans", "Arial"])
    font.setPixelSize(FONT_PX)
    app.setFont(font)
    app.setStyle("Fusion")  # the same look on every Windows version; qss builds on it
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(WINDOW))
    palette.setColor(QPalette.ColorRole.Base, QColor(SURFACE))
    palette.setColor(QPalette.ColorRole.Text, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8a96a3"))
    app.setPalette(palette)
    app.setStyleSheet(QSS)


def set_role(widget: QWidget, role: str) -> None:
    """Switch a widget's qss role (e.g. 'muted', 'error') and re-polish it."""
    restyle(widget, "role", role)


def restyle(widget: QWidget, name: str, value: object) -> None:
    """Set a dynamic property the qss selects on, and re-polish so the change shows."""
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
