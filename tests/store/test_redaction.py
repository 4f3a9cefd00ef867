"""No key reaches the log file: not in messages, arguments, header dicts or tracebacks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from postretry_gui.store import configure_logging, redact, register_secret, stop_logging
from postretry_gui.store.redaction import MASK

CANARY = "pe_live_" + "a1b2c3d4e5f60718293a4b5c6d7e8f90"
AYRSHARE_KEY = "A1B2C3D4-E5F6A7B8-C9D0E1F2-A3B4C5D6"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = configure_logging(tmp_path / "logs")
    yield path
    stop_logging()


def read_log(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_the_canary_key_never_reaches_the_log_file(log_file: Path) -> None:
    log = logging.getLogger("postretry_gui.test")
    headers = {"Authorization": f"Bearer {CANARY}", "Accept": "application/json"}

    log.warning("sending with key %s", CANARY)
    log.warning(f"inline key {CANARY} in the message")
    log.warning("headers: %s", headers)
    log.warning("headers: %r", headers)
    log.warning("%(key)s as a mapping argument", {"key": CANARY})
    try:
        raise RuntimeError(f"server refused {CANARY}")
    except RuntimeError:
        log.exception("request failed")
    log.warning("stack follows", stack_info=True)

    text = read_log(log_file)
    assert CANARY not in text
    assert "a1b2c3d4e5f60718293a4b5c6d7e8f90" not in text
    assert "sending with key pe_live_[REDACTED]" in text
    assert "'Accept': 'application/json'" in text
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: server refused pe_live_[REDACTED]" in text


def test_a_traceback_stays_readable(log_file: Path) -> None:
    def a_function_with_a_rather_long_descriptive_name() -> None:
        raise ValueError("bad shape")

    try:
        a_function_with_a_rather_long_descriptive_name()
    except ValueError:
        logging.getLogger("postretry_gui.test").exception("parse failed")

    text = read_log(log_file)
    assert "a_function_with_a_rather_long_descriptive_name" in text
    assert "test_redaction.py" in text
    assert "ValueError: bad shape" in text


def test_configure_logging_twice_installs_one_handler(tmp_path: Path) -> None:
    try:
        first = configure_logging(tmp_path / "one")
        second = configure_logging(tmp_path / "two")
        logging.getLogger("postretry_gui.test").warning("only once")
        assert first.name == second.name == "postretry-gui.log"
        assert "only once" not in read_log(first)
        assert read_log(second).count("only once") == 1
    finally:
        stop_logging()


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"Authorization: Bearer {AYRSHARE_KEY}", "Authorization: Bearer "),
        (f"authorization={AYRSHARE_KEY}", "authorization="),
        ("Profile-Key: PRF-1234", "Profile-Key: "),
        ("{'Profile-Key': 'short1'}", "{'Profile-Key': '"),
        ("X-Twitter-OAuth1-Api-Key: tw-key-1", "X-Twitter-OAuth1-Api-Key: "),
        ("X-Twitter-OAuth1-Api-Secret=tw-secret-2", "X-Twitter-OAuth1-Api-Secret="),
        ("token is bearer abc.def-ghi", "token is bearer "),
        ("key ayr_live_0123456789 rejected", "key ayr_"),
        ("key pe_test_Zx9_y8 rejected", "key pe_test_"),
        (f"the key {AYRSHARE_KEY} leaked", "the key "),
        ("hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c", "hash "),
        ("b64 dGhpcyBpcyBhIHNlY3JldCBrZXkgMTIzNDU2Nzg5MA== end", "b64 "),
        # base64 may contain "/": its pieces are still not words.
        ("b64 aB3dE5kQ/gH7jK9mN1pQ3rS5tU7vW9xY end", "b64 "),
    ],
)
def test_key_shapes_are_masked(text: str, kept: str) -> None:
    masked = redact(text)
    assert MASK in masked
    assert masked.startswith(kept)


@pytest.mark.parametrize(
    "text",
    [
        "GET https://app.posteverywhere.ai/api/v1/posts?status=failed 200",
        '  File "/usr/lib/python3/dist-packages/keyring/backends/SecretService.py", line 9',
        "test_key_never_reaches_the_log_file passed",
        "retrying post 4181 on linkedin, twitter",
        # A checkout under a random temporary folder (mktemp -d): seen masked in a traceback.
        '  File "/tmp/tmp.Xy12Ab34Cd/c/tests/store/test_redaction.py", line 57, in f',
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_a_registered_secret_is_masked_exactly_wherever_it_appears() -> None:
    secret = "correct horse battery"
    register_secret(secret)
    assert redact(f"a{secret}b and '{secret}'") == f"a{MASK}b and '{MASK}'"


def test_very_short_values_are_not_registered() -> None:
    register_secret("abc")
    assert redact("abc abc") == "abc abc"
