"""The app's rotating log file, with every record redacted before it is written."""

from __future__ import annotations

import logging
import logging.handlers
import threading
from pathlib import Path

from postretry_gui.store.errors import StoreUnavailable
from postretry_gui.store.redaction import redact

LOG_FILE_NAME = "postretry-gui.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

_lock = threading.Lock()
_handler: logging.Handler | None = None


class RedactingFilter(logging.Filter):
    """Redacts a record in place: the formatted message (args folded in), the exception text
    and the stack text. Attached to a handler, it covers records from every logger; the
    record is changed in place, so handlers after it see the redacted text too."""

    _exception_formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception as exc:  # a bad format string must not lose the record
            message = f"{record.msg!r} (unformattable log arguments: {type(exc).__name__})"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._exception_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        # The formatter prefers exc_text when it is set, but a foreign formatter might format
        # exc_info afresh: drop it once its redacted text is cached.
        record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def configure_logging(log_dir: Path, *, level: int = logging.INFO) -> Path:
    """Send the root logger's records to a rotating, redacted file in ``log_dir``.

    Returns the log file's path. Calling it again replaces the handler it installed before
    (for instance with another folder) rather than adding a second one.
    """
    global _handler
    path = log_dir / LOG_FILE_NAME
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
    except OSError as exc:
        raise StoreUnavailable(
            f"Could not open the log file {path}: {exc.strerror or exc}."
        ) from exc
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.setLevel(level)
    root = logging.getLogger()
    with _lock:
        if _handler is not None:
            root.removeHandler(_handler)
            _handler.close()
        _handler = handler
        root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return path


def stop_logging() -> None:
    """Remove and close the handler ``configure_logging`` installed (tests, shutdown)."""
    global _handler
    with _lock:
        if _handler is not None:
            logging.getLogger().removeHandler(_handler)
            _handler.close()
            _handler = None
