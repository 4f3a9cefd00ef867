"""The filter by cause in the toolbar: every cause with how many failed destinations have it,
so the operator sees at a glance how many a retry can fix and how many it cannot.

Reached from the keyboard with Alt+U (its label's mnemonic). The counts are the session's
(``cause_counts``, kept as posts change), shown after each sync; choosing a cause shows only
its destinations.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QToolBar, QWidget

from postretry_gui.domain.triage import Cause

EVERY_CAUSE = "Every cause"


class CauseFilter(QComboBox):
    # The cause chosen; None for every cause.
    chosen = Signal(object)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("cause-filter")
        self.setAccessibleName("Filter by cause")
        self.setToolTip("Show only the failures of one cause (Alt+U)")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        # Item data holds the cause's value: Qt hands a StrEnum back as a plain str.
        self.addItem(EVERY_CAUSE, "")
        for cause in Cause:
            self.addItem(cause.label, cause.value)
        self.currentIndexChanged.connect(lambda _index: self.chosen.emit(self.cause))

    def add_to(self, bar: QToolBar) -> None:
        label = QLabel("Ca&use:", bar)
        label.setBuddy(self)
        bar.addWidget(label)
        bar.addWidget(self)

    def show_counts(self, counts: Counter[Cause]) -> None:
        """Each cause's entry with its count ("Content (3)")."""
        for index, cause in enumerate(Cause, start=1):
            text = f"{cause.label} ({counts.get(cause, 0):,})"
            self.setItemText(index, text)
            self.setItemData(index, text, Qt.ItemDataRole.AccessibleTextRole)

    @property
    def cause(self) -> Cause | None:
        value = self.currentData()
        return Cause(value) if value else None

    def choose(self, cause: Cause | None) -> None:
        self.setCurrentIndex(self.findData(cause.value if cause else ""))
