"""The strip under the tree that follows a retry job: progress, cancel, resume, and at the
end one button per summary group that filters the tree to that group's destinations.

The summary counts destinations and stays live after the job: as polling settles them,
retried destinations move to "Published" or "Failed again" and lost answers to wherever
their read puts them. A group already picked keeps the rows it showed (rows do not vanish
under the cursor); picking it again shows its destinations as they are now.

Keyboard: Esc cancels a running job (the window routes its Esc here first), Alt+R resumes
a paused one, Alt+G moves to the summary's group buttons (Tab between them, Return picks
one), Alt+A shows every row again, Alt+E closes the summary. The keys are explicit
shortcuts, not mnemonics: mnemonics are off on some platforms (macOS, some themes). The
digits stay free: Alt+1..4 are the status tabs, Ctrl+1..9 the workspaces.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

# The job's events and control protocol only: controller.bulk itself reaches providers,
# which the UI never may (import-linter).
from postretry_gui.controller.bulk_events import (
    GROUP_HINTS,
    GROUP_TITLES,
    BulkProgress,
    BulkSummary,
    DestinationKey,
    JobControl,
    JobState,
    SummaryGroup,
)
from postretry_gui.ui import icons

# resources/status/<name>.svg of the groups that match a status badge of the list.
_GROUP_ICONS = {
    SummaryGroup.PUBLISHED: "published",
    SummaryGroup.FAILED_AGAIN: "failed",
    SummaryGroup.RETRIED: "publishing",
    SummaryGroup.OUTCOME_UNKNOWN: "unknown",
    SummaryGroup.NOT_APPLIED: "failed",
    SummaryGroup.GONE: "gone",
    SummaryGroup.RECONNECT_REQUIRED: "reconnect",
}

_STATE_TEXT = {
    JobState.RUNNING: "Retrying",
    JobState.PAUSED: "Paused",
    JobState.CANCELLING: "Cancelling",
    JobState.DONE: "Retry finished",
    JobState.CANCELLED: "Retry cancelled",
    JobState.STOPPED: "Retry stopped",
}


def progress_text(p: BulkProgress) -> str:
    """ "412 of 1,000 posts · 388 destinations retried · 3 refused · 2 outcome unknown"."""
    parts = [
        f"{p.done_posts:,} of {p.total_posts:,} posts",
        f"{p.destinations_retried:,} destinations retried",
        f"{p.refused:,} refused",
        f"{p.unknown:,} outcome unknown",
    ]
    if p.not_sent:
        parts.append(f"{p.not_sent:,} not sent")
    if p.rate_limited:
        parts.append(f"{p.rate_limited:,} rate-limit answers")
    return " · ".join(parts)


def summary_text(
    summary: BulkSummary,
    chosen: SummaryGroup | None = None,
    shown: frozenset[DestinationKey] | None = None,
) -> str:
    """ "24 destinations in 12 posts, 3.1 s · 5 still publishing or being read: the groups
    follow them" and, when the picked group has moved on since, how to see it as it is."""
    total = summary.total
    posts = summary.progress.total_posts
    text = (
        f"{total:,} destination{'' if total == 1 else 's'} in {posts:,} "
        f"post{'' if posts == 1 else 's'}, {summary.elapsed_s:.1f} s"
    )
    pending = summary.pending
    if pending:
        text += f" · {pending:,} still publishing or being read: the groups follow them."
    elif total:
        text += " · every destination settled."
    if chosen is not None and shown is not None:
        now = frozenset(summary.destinations(chosen))
        if now != shown:
            text += (
                f" The list shows “{GROUP_TITLES[chosen]}” as it was when picked: pick it "
                f"again for its {len(now):,} destinations now."
            )
        else:
            text += f" The list shows “{GROUP_TITLES[chosen]}” only (Alt+A shows all)."
    elif total:
        text += " Pick a group to list its destinations (Alt+G)."
    return text


class BulkPanel(QFrame):
    """Hidden until a job starts; stays after it ends to offer the summary filters."""

    # The operator picked a summary group: show only these destinations.
    groupChosen = Signal(object, object)  # (SummaryGroup, frozenset[DestinationKey])
    # "Show all": drop the group filter.
    filterCleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bulk-panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._job: JobControl | None = None
        self._summary: BulkSummary | None = None
        self.group_buttons: dict[SummaryGroup, QPushButton] = {}
        self.chosen: SummaryGroup | None = None
        # The destinations the list was last filtered to (the chosen group when picked).
        self.shown: frozenset[DestinationKey] | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        top = QHBoxLayout()
        self.title = QLabel("", self)
        self.title.setStyleSheet("font-weight: bold;")
        self.bar = QProgressBar(self)
        self.bar.setTextVisible(True)
        self.bar.setFormat("%v / %m posts")
        self.resume_button = _button("Resume", "Alt+R", self)
        self.resume_button.setToolTip("Go on sending, slowly at first (Alt+R)")
        self.resume_button.clicked.connect(self.resume)
        self.cancel_button = QPushButton("Cancel (Esc)", self)
        self.cancel_button.setToolTip(
            "Send nothing new; requests already sent finish and are recorded"
        )
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = _button("Close", "Alt+E", self)
        self.close_button.setToolTip("Hide this summary and show every row (Alt+E)")
        self.close_button.clicked.connect(self.dismiss)
        top.addWidget(self.title)
        top.addWidget(self.bar, 1)
        top.addWidget(self.resume_button)
        top.addWidget(self.cancel_button)
        top.addWidget(self.close_button)
        layout.addLayout(top)
        self.counts = QLabel("", self)
        self.counts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.counts)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #92400E;")
        layout.addWidget(self.message)
        self.groups_row = QHBoxLayout()
        self.groups_label = QLabel("Destinations:", self)
        self.groups_label.setVisible(False)
        self.groups_row.addWidget(self.groups_label)
        for group in SummaryGroup:
            button = QPushButton(GROUP_TITLES[group], self)
            if group in _GROUP_ICONS:
                # The list's status icons: a group reads like the rows it lists.
                button.setIcon(icons.status(_GROUP_ICONS[group]))
            # Return presses the focused one (Space is the window's tick key).
            button.setAutoDefault(True)
            button.setCheckable(True)
            button.setVisible(False)
            button.clicked.connect(lambda _checked=False, g=group: self.choose(g))
            self.groups_row.addWidget(button)
            self.group_buttons[group] = button
        self.show_all_button = _button("Show all", "Alt+A", self)
        self.show_all_button.setToolTip("Drop the group filter (Alt+A)")
        self.show_all_button.clicked.connect(self.clear_filter)
        self.show_all_button.setVisible(False)
        self.groups_row.addWidget(self.show_all_button)
        self.groups_row.addStretch(1)
        layout.addLayout(self.groups_row)
        # Active only while the panel shows (a hidden widget's shortcut never fires).
        self.groups_shortcut = QShortcut(QKeySequence("Alt+G"), self, self.focus_groups)
        self.setVisible(False)

    # -- following a job -------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._job is not None and not self._job.progress.state.finished

    @property
    def summary(self) -> BulkSummary | None:
        return self._summary

    def follow(self, job: JobControl) -> None:
        """Show ``job``'s progress from now on (the job reports through ``job_progress``)."""
        self._job = job
        self._summary = None
        self.chosen = None
        self.shown = None
        for button in self.group_buttons.values():
            button.setVisible(False)
            button.setChecked(False)
        self.groups_label.setVisible(False)
        self.show_all_button.setVisible(False)
        self.setVisible(True)
        self.job_progress(job.progress)

    def job_progress(self, progress: BulkProgress) -> None:
        self.title.setText(_STATE_TEXT[progress.state])
        self.bar.setMaximum(max(progress.total_posts, 1))
        self.bar.setValue(progress.done_posts)
        self.counts.setText(progress_text(progress))
        self.message.setText(progress.message)
        self.message.setVisible(bool(progress.message))
        finished = progress.state.finished
        self.cancel_button.setVisible(not finished)
        self.cancel_button.setEnabled(progress.state in (JobState.RUNNING, JobState.PAUSED))
        self.resume_button.setVisible(progress.state is JobState.PAUSED)
        self.close_button.setVisible(finished)

    def job_finished(self, summary: BulkSummary) -> None:
        if self._is_followed(summary):
            self._show_summary(summary)

    def summary_changed(self, summary: BulkSummary) -> None:
        """Polling moved destinations of the job between groups."""
        if self._is_followed(summary):
            self._show_summary(summary)

    def _is_followed(self, summary: BulkSummary) -> bool:
        # A job started after this one took the panel over: its summary is the one shown.
        return self._job is not None and self._job.job_id == summary.job_id

    def _show_summary(self, summary: BulkSummary) -> None:
        self._summary = summary
        self.job_progress(summary.progress)
        for group in SummaryGroup:
            button = self.group_buttons[group]
            count = summary.count(group)
            button.setText(f"{GROUP_TITLES[group]} ({count:,})")
            button.setToolTip(summary.messages.get(group) or GROUP_HINTS[group])
            # A picked group keeps its button (and focus) when it empties.
            button.setVisible(count > 0 or group is self.chosen)
        self.groups_label.setVisible(True)
        self.show_all_button.setVisible(True)
        self.counts.setText(summary_text(summary, self.chosen, self.shown))

    # -- commands --------------------------------------------------------------------------

    def cancel(self) -> bool:
        """Cancel the running job; False when there is none."""
        if not self.running or self._job is None:
            return False
        self._job.cancel()
        return True

    def resume(self) -> None:
        if self._job is not None and self._job.progress.state is JobState.PAUSED:
            self._job.resume()

    def choose(self, group: SummaryGroup) -> None:
        """Filter the tree to one group's destinations."""
        if self._summary is None:
            return
        self.chosen = group
        for other, button in self.group_buttons.items():
            button.setChecked(other is group)
        keys: frozenset[DestinationKey] = frozenset(self._summary.destinations(group))
        self.shown = keys
        self._show_summary(self._summary)  # a group emptied and no longer picked goes
        self.groupChosen.emit(group, keys)

    def focus_groups(self) -> None:
        """Alt+G: focus the first group button of the summary (Tab moves on, Return picks)."""
        for button in self.group_buttons.values():
            if button.isVisible():
                button.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return

    def clear_filter(self) -> None:
        self.chosen = None
        self.shown = None
        for button in self.group_buttons.values():
            button.setChecked(False)
        if self._summary is not None:
            self._show_summary(self._summary)
        self.filterCleared.emit()

    def dismiss(self) -> None:
        self.clear_filter()
        self.setVisible(False)


def _button(text: str, key: str, parent: QWidget) -> QPushButton:
    button = QPushButton(f"{text} · {key}", parent)
    button.setShortcut(QKeySequence(key))
    button.setAutoDefault(False)
    return button
