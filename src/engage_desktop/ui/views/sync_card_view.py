"""Layout of the Sync card on Settings ▸ PMS connection (behaviour: ui/settings/sync_panel.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QProgressBar, QPushButton, QWidget

from engage_desktop.ui.widgets.common import Card, label


class SyncCardView(Card):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Sync", parent)
        self.counts = label("", wrap=True, rich=True)
        self.last_run = label("", "muted", wrap=True)
        self.body.addWidget(self.counts)
        self.body.addWidget(self.last_run)

        row = QHBoxLayout()
        row.setContentsMargins(0, 6, 0, 0)
        row.setSpacing(10)
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setProperty("primary", True)
        self.cancel_button = QPushButton("Cancel")
        self.full_sync = QCheckBox("Full reconciliation")
        row.addWidget(self.sync_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.full_sync)
        row.addStretch(1)
        self.body.addLayout(row)
        self.full_hint = label("A normal sync reads only what changed. Full reconciliation re-reads "
                               "everything and removes what was deleted in the PMS; it takes longer.",
                               "small", wrap=True)
        self.body.addWidget(self.full_hint)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress_label = label("", "muted")
        self.body.addWidget(self.progress)
        self.body.addWidget(self.progress_label)
        self.sync_summary = label("", wrap=True, selectable=True)
        self.body.addWidget(self.sync_summary)
