"""The detail pane: everything about the current post that a table row cuts short.

The whole text, each destination's whole error with its code, cause and attempts, the retry
history of this post from the journal, the accounts' health, and links to the live post and
to the page where the provider reconnects an account. One read-only ``QTextBrowser``: its
text selects and copies like any document, and Tab walks its links (Enter opens one), so the
pane needs no mouse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from html import escape

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from postretry_gui.domain.models import AccountHealth, Destination, Post, ProviderCapabilities
from postretry_gui.domain.platforms import account_display_name
from postretry_gui.domain.triage import Cause
from postretry_gui.ui.history_dialog import HistoryEntry
from postretry_gui.ui.rows import platform_name, safe_link, when

EMPTY_TEXT = "Select a post to see its details"


class DetailPane(QWidget):
    """Shows one post; :meth:`set_post` with ``None`` shows the empty state."""

    # A link was followed (already handed to the opener); for the window's status bar.
    link_opened = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        open_link: Callable[[QUrl], object] = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(parent)
        self._open_link = open_link
        self.setAccessibleName("Post details")
        self.browser = QTextBrowser(self)
        self.browser.setAccessibleName("Post details")
        self.browser.setAccessibleDescription(
            "The whole post, each destination's error and cause, and its retry history"
        )
        # Links go through safe_link and the injected opener, never straight to the OS.
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._follow)
        # A keyboard user selects and copies an error too (Shift+arrows, Ctrl+C).
        self.browser.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)
        self.set_post(None)

    @property
    def is_empty(self) -> bool:
        return self._post_id is None

    def text(self) -> str:
        """What the pane says, as plain text (what a screen reader reads)."""
        return self.browser.toPlainText()

    def set_post(
        self,
        post: Post | None,
        capabilities: ProviderCapabilities | None = None,
        history: Sequence[HistoryEntry] = (),
        health: Mapping[str, AccountHealth] | None = None,
        causes: Mapping[str, Cause] | None = None,
        token_expiry: Mapping[str, datetime] | None = None,
    ) -> None:
        """Show ``post``. ``health``, ``causes`` and ``token_expiry`` are keyed by account id;
        ``causes`` come from ``triage.classify`` (the window's session knows the table)."""
        self._post_id = None if post is None else post.post_id
        if post is None:
            self.browser.setHtml(f"<p><i>{escape(EMPTY_TEXT)}</i></p>")
            return
        parts = [
            f"<h2>Post {escape(post.post_id)}</h2>",
            _post_facts(post),
            "<h3>Text</h3>",
            f"<p style='white-space: pre-wrap'>{escape(post.content) or '<i>(no text)</i>'}</p>",
            "<h3>Destinations</h3>",
        ]
        for destination in post.destinations:
            parts.append(
                _destination_html(
                    destination,
                    capabilities,
                    (causes or {}).get(destination.account_id),
                    (health or {}).get(destination.account_id),
                    (token_expiry or {}).get(destination.account_id),
                )
            )
        parts.append("<h3>Retry history</h3>")
        parts.append(_history_html(history))
        self.browser.setHtml("".join(parts))

    def _follow(self, url: QUrl) -> None:
        link = safe_link(url.toString())
        if link is None:
            return
        self._open_link(QUrl(link))
        self.link_opened.emit(link)


def account_title(destination: Destination) -> str:
    """ "Primary Profile on LinkedIn", "LinkedIn account 2285", "X": the same for every
    provider (``domain.platforms``), with the network named once."""
    network = platform_name(destination.platform)
    name = account_display_name(destination)
    return name if name.startswith(network) else f"{name} on {network}"


def _post_facts(post: Post) -> str:
    facts = [f"Status: {escape(post.status.value.replace('_', ' '))}"]
    for label, moment in (("Created", post.created_at), ("Updated", post.updated_at)):
        if when(moment):
            facts.append(f"{label}: {escape(when(moment))}")
    return "<p>" + " · ".join(facts) + "</p>"


def _destination_html(
    destination: Destination,
    capabilities: ProviderCapabilities | None,
    cause: Cause | None,
    health: AccountHealth | None,
    expiry: datetime | None,
) -> str:
    title = account_title(destination)
    lines = [f"<h4>{escape(title)}: {escape(destination.status.value.replace('_', ' '))}</h4>"]
    rows: list[tuple[str, str]] = []
    if destination.error:
        code = f" (code {escape(destination.error_code)})" if destination.error_code else ""
        rows.append(
            (
                "Error",
                f"<span style='white-space: pre-wrap'>{escape(destination.error)}</span>{code}",
            )
        )
    elif destination.error_code:
        rows.append(("Error", f"code {escape(destination.error_code)}"))
    if cause is not None:
        rows.append(("Cause", f"<b>{escape(cause.label)}</b>: {escape(cause.advice)}"))
    rows.append(("Attempts", str(destination.attempts)))
    if health is not None or expiry is not None:
        rows.append(("Account health", _health_text(health, expiry)))
    links = []
    live = safe_link(destination.platform_post_url)
    if live:
        links.append(f"<a href='{escape(live, quote=True)}'>Open the live post</a>")
    needs_reconnect = cause is Cause.RECONNECT or (health is not None and health.requires_reconnect)
    reconnect = safe_link(capabilities.reconnect_url) if capabilities else None
    if reconnect and needs_reconnect:
        where = escape(capabilities.display_name) if capabilities else "the provider"
        links.append(
            f"<a href='{escape(reconnect, quote=True)}'>Reconnect the account at {where}</a>"
        )
    if links:
        rows.append(("Links", " · ".join(links)))
    lines.append("<table cellspacing='0' cellpadding='2'>")
    lines.extend(
        f"<tr><td valign='top'><b>{label}</b>&nbsp;&nbsp;</td><td>{value}</td></tr>"
        for label, value in rows
    )
    lines.append("</table>")
    return "".join(lines)


def _health_text(health: AccountHealth | None, expiry: datetime | None) -> str:
    parts: list[str] = []
    if health is not None:
        verdict = "needs a reconnect" if health.requires_reconnect else escape(health.status)
        parts.append(verdict)
        if health.reasons:
            parts.append(escape(", ".join(r.replace("_", " ") for r in health.reasons)))
    if expiry is not None and when(expiry):
        parts.append(f"token expires {escape(when(expiry))}")
    return "; ".join(parts) or "unknown"


def _history_html(history: Sequence[HistoryEntry]) -> str:
    if not history:
        return "<p><i>No retry of this post was sent from this app.</i></p>"
    rows = [
        "<table cellspacing='0' cellpadding='3'>"
        "<tr><th align='left'>When</th><th align='left'>Who</th><th align='left'>Accounts</th>"
        "<th align='left'>Outcome</th><th align='left'>Detail</th></tr>"
    ]
    for record in sorted(history, key=lambda r: r.created_at):
        # The journal's outcome is an enum or its word; none yet: the retry is under way.
        outcome = str(getattr(record.outcome, "value", record.outcome) or "pending")
        rows.append(
            "<tr>"
            f"<td>{escape(when(record.created_at))}</td>"
            f"<td>{escape(record.operator)}</td>"
            f"<td>{escape(', '.join(record.account_ids))}</td>"
            f"<td>{escape(outcome.replace('_', ' '))}</td>"
            f"<td>{escape(record.detail)}</td>"
            "</tr>"
        )
    rows.append("</table>")
    return "".join(rows)
