"""PostEverywhere's list answer (``GET /posts``) exactly as documented, as msgspec Structs.

A 100,000-destination workspace is 200 pages of ~170 KB; reading them through ``json.loads``
and the tolerant reader costs ~1 s, the largest part of a load. ``decode_list_page`` reads a
page straight from the bytes into these Structs in C (~0.4 ms a page, checks included)
and vouches for it only when every value is documented and one the tolerant reader
(``parsing.py``) would take unchanged. Anything else gives None, and the caller reads the
whole page with the tolerant reader, which stays the single source of truth for odd answers.

What "unchanged" takes, and where it is checked:

- Types, required fields, ranges and lengths: by msgspec, in C, from the annotations below.
  An int where text is documented (or the reverse), a bool, a float, a negative count, a
  status word off the documented list, a ``next_retry_at``: the decode fails, so None.
- Text that ``clean_text`` would change (a control character, any non-printable character,
  leading or trailing spaces): once over the whole body, not per string (``_plain_body``).
- Times: kept as text here; the caller parses them with the same ``datetime.fromisoformat``
  as the tolerant reader (msgspec's own RFC 3339 parser rounds a 7th fractional digit and takes a
  lower-case ``z``, where ``fromisoformat`` truncates and refuses: not the same answer).
- Bodies ``json.loads`` refuses although msgspec would skip the offending part unread: bad
  UTF-8 (checked with the text), an integer longer than ``sys.get_int_max_str_digits()``
  (``_may_hold_a_huge_integer``). One such case is left, knowingly: nesting in an unread
  field within the last few levels before the decoders' recursion limits (measured 991-994
  levels on 3.11, 1497 on 3.12, because the old path decodes a few frames deeper) reads as a
  page here and as "not JSON" the old way. No cheap check bounds the depth, and the page
  read is the right one.

Unknown fields (``id``, ``media``, ``timezone``, ``account_ids``, ``meta``, ``error`` on a 2xx,
``pagination.limit``/``offset``, which the client does not read: it steps by what it received)
are skipped by msgspec without building them.
"""

from __future__ import annotations

import re
import sys
from typing import Annotated, Literal

import msgspec

from postretry_gui.providers.parsing import MAX_ID_CHARS, MAX_MESSAGE_CHARS

# The documented status words; ``typed.py`` maps them through the spec's vocabulary.
DestinationWord = Literal["queued", "publishing", "published", "failed"]
PostWord = Literal["draft", "scheduled", "publishing", "published", "partially_failed", "failed"]

# Plain text: not empty, within its limit (msgspec counts characters, as ``len`` does).
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID_CHARS)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_MESSAGE_CHARS)]
# A time of at most 64 characters; the format is checked by ``fromisoformat`` later.
Moment = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
# ``0 <= n < 2**63``: what the app keeps as a count.
Count = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]


# gc=False: these Structs hold no cycles and live for one page; skipping the cyclic GC's
# tracking of ~700 objects a page is part of the speed.
class WireDestination(msgspec.Struct, gc=False):
    account_id: Count | Id
    platform: Text
    status: DestinationWord
    account_name: Text | None = None
    error: Text | None = None
    attempts: Count = 0
    platform_post_id: Id | None = None
    platform_post_url: Text | None = None
    published_at: Moment | None = None
    # A scheduled retry is left to the tolerant reader: present means not vouched for.
    next_retry_at: None = None


class WirePost(msgspec.Struct, gc=False):
    post_id: Id
    status: PostWord
    destinations: list[WireDestination]
    # The one text that may be empty ("" and null both read as "").
    content: Annotated[str, msgspec.Meta(max_length=MAX_MESSAGE_CHARS)] | None = None
    created_at: Moment | None = None
    updated_at: Moment | None = None
    scheduled_for: Moment | None = None


class WirePagination(msgspec.Struct, gc=False):
    total: Count | None = None
    has_more: bool | None = None


class WirePage(msgspec.Struct, gc=False):
    posts: list[WirePost]
    pagination: WirePagination | None = None


class WireEnvelope(msgspec.Struct, gc=False):
    data: WirePage


_DECODER = msgspec.json.Decoder(WireEnvelope)

# Escapes that decode to a printable character which is not a space: \" \\ \/ (servers that
# escape slashes write every URL with them). \u0020, \n, \u0000... must go the old way.
_HARMLESS_ESCAPES = (b"\\\\", b'\\"', b"\\/")
# A string that starts or ends with a space shows in the bytes as a quote next to a space.
# Literal patterns: ``re`` finds them several times faster than ``bytes.find`` here.
_SPACE_QUOTE = re.compile(rb' "')
_QUOTE_SPACE = re.compile(rb'" ')


def _escapes_are_harmless(body: bytes) -> bool:
    # Left to right, \\ pairs first: in valid JSON that pairs a run of backslashes exactly as
    # the decoder does, so a backslash left over escapes the character after it.
    rest = body
    for escape in _HARMLESS_ESCAPES:
        rest = rest.replace(escape, b"")
    return b"\\" not in rest


def _plain_body(body: bytes) -> bool:
    """True if no string in ``body`` (valid JSON) holds a non-printable character or starts
    or ends with a space. False may be a false alarm (JSON laid out with spaces, an escaped
    quote beside a space): the page then goes the old way, correct and slower."""
    if b"\\" in body and not _escapes_are_harmless(body):
        return False
    if body.isascii():
        # Raw ASCII controls other than DEL are invalid inside JSON strings (both decoders
        # refuse them) and are layout outside them: DEL is the one to look for.
        if b"\x7f" in body:
            return False
    else:
        try:
            text = body.decode("utf-8")  # also refuses bad UTF-8 in fields msgspec skips
        except UnicodeDecodeError:
            return False
        # Tab, CR and LF can only be layout (raw, they are invalid inside a string).
        if not text.replace("\n", "").replace("\r", "").replace("\t", "").isprintable():
            return False
    return _SPACE_QUOTE.search(body) is None and _QUOTE_SPACE.search(body) is None


_DIGITS = re.compile(rb"[0-9]+")


def _may_hold_a_huge_integer(body: bytes) -> bool:
    """True if ``body`` may hold a run of digits longer than ``json.loads`` converts
    (``sys.get_int_max_str_digits()``, 4300 by default): it refuses such an integer even
    in a field nobody reads, where msgspec skips it. Such a run covers two consecutive
    multiples of half the limit, so the run rightwards from the first of them is longer
    than half the limit: probing ~80 positions of a 170 KB page is enough, not a scan."""
    limit = sys.get_int_max_str_digits()
    if limit == 0:  # no limit set: json.loads converts any length
        return False
    half = max(limit // 2, 1)
    for start in range(0, len(body), half):
        if 0x30 <= body[start] <= 0x39:
            run = _DIGITS.match(body, start, start + half + 1)
            if run is not None and run.end() - start > half:
                return True
    return False


def decode_list_page(body: bytes) -> WirePage | None:
    """The ``data`` of a 2xx list answer if every value in it is documented and plain (see the
    module docstring), else None: read the page the old way."""
    if not _plain_body(body) or _may_hold_a_huge_integer(body):
        return None
    try:
        return _DECODER.decode(body).data
    except (msgspec.DecodeError, ValueError, RecursionError):
        # DecodeError covers ValidationError; ValueError: text msgspec cannot decode.
        return None
