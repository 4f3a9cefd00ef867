"""A list page read by the tolerant page reader gives exactly what the tolerant post reader
gives, for answers as documented and for each way an answer can stray from the documented
types. (These once proved a dict fast path; the page now has two readers only, the typed
one of ``test_posteverywhere_typed_pages.py`` and this tolerant one.)"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from postretry_gui.providers.posteverywhere.parsing import parse_page, parse_post


def documented_post(n: int) -> dict[str, Any]:
    return {
        "post_id": f"post-{n}",
        "status": "partially_failed",
        "content": f"Launch day {n} #news",
        "created_at": "2026-01-02T03:04:05.678Z",
        "updated_at": "2026-01-02T04:00:00+01:00",
        "scheduled_for": None,
        "destinations": [
            {
                "account_id": 2285 + n,
                "account_name": "Blue Fern Studio (X)",
                "platform": "x",
                "status": "failed",
                "error": "Rate limit hit at the platform",
                "attempts": 2,
                "platform_post_id": None,
                "platform_post_url": None,
                "published_at": None,
            },
            {
                "account_id": "7499",
                "account_name": "Lumen Labs (Instagram)",
                "platform": "instagram",
                "status": "published",
                "error": None,
                "attempts": 1,
                "platform_post_id": "39406137308800251",
                "platform_post_url": "https://www.instagram.com/p/39406137308800251/",
                "published_at": "2026-01-02T03:06:00.000Z",
            },
        ],
    }


def read_both(post: dict[str, Any]) -> tuple[object, object]:
    """(the page reader's post, the tolerant reader's post) for one wire post."""
    wire = json.loads(json.dumps(post))
    page = parse_page({"posts": [wire]}, offset=0, limit=100)
    return page.posts[0], parse_post(json.loads(json.dumps(post)))


def test_a_documented_page_reads_as_the_tolerant_reader_reads_it() -> None:
    posts = [documented_post(n) for n in range(5)]
    page = parse_page({"posts": posts, "pagination": {"has_more": False}}, offset=0, limit=100)
    assert list(page.posts) == [parse_post(p) for p in posts]
    assert page.posts[0].destinations[0].account_id == "2285"
    assert page.posts[0].destinations[1].published_at is not None


def _set(path: tuple[Any, ...], value: object) -> dict[str, Any]:
    post = copy.deepcopy(documented_post(1))
    target: Any = post
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return post


def _drop(path: tuple[Any, ...]) -> dict[str, Any]:
    post = copy.deepcopy(documented_post(1))
    target: Any = post
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return post


STRAYS = {
    "status padded and capitalised": _set(("destinations", 0, "status"), " Failed "),
    "status unknown": _set(("destinations", 0, "status"), "exploded"),
    "status a list": _set(("destinations", 0, "status"), ["failed"]),
    "platform capitalised": _set(("destinations", 0, "platform"), "LinkedIn"),
    "platform missing": _drop(("destinations", 0, "platform")),
    "error with a control character": _set(("destinations", 0, "error"), "bad\x00news"),
    "error nested": _set(("destinations", 0, "error"), {"message": "m", "code": "E1"}),
    "error padded": _set(("destinations", 0, "error"), "  late  "),
    "error empty": _set(("destinations", 0, "error"), ""),
    "error far too long": _set(("destinations", 0, "error"), "x" * 2000),
    "attempts as text": _set(("destinations", 0, "attempts"), "3"),
    "attempts negative": _set(("destinations", 0, "attempts"), -4),
    "attempts a float": _set(("destinations", 0, "attempts"), 2.0),
    "attempts null": _set(("destinations", 0, "attempts"), None),
    "attempts missing": _drop(("destinations", 0, "attempts")),
    "account id a bool": _set(("destinations", 0, "account_id"), True),
    "account id padded": _set(("destinations", 0, "account_id"), " 42 "),
    "account id missing": _drop(("destinations", 0, "account_id")),
    "platform post id an int": _set(("destinations", 1, "platform_post_id"), 123),
    "published at naive": _set(("destinations", 1, "published_at"), "2026-01-02T03:06:00"),
    "published at unix ms": _set(("destinations", 1, "published_at"), 1_767_323_160_000),
    "published at nonsense": _set(("destinations", 1, "published_at"), "yesterday"),
    "next retry given": _set(("destinations", 0, "next_retry_at"), "2026-01-02T05:00:00Z"),
    "account name tab": _set(("destinations", 1, "account_name"), "Lumen\tLabs"),
    "post id an int": _set(("post_id",), 9),
    "post id only as id": {**_drop(("post_id",)), "id": "p-9"},
    "post status only as post_status": {**_drop(("status",)), "post_status": "failed"},
    "content with a newline": _set(("content",), "two\nlines"),
    "content empty": _set(("content",), ""),
    "created at naive": _set(("created_at",), "2026-01-02 03:04:05"),
    "destinations null": _set(("destinations",), None),
    "a destination not an object": _set(("destinations", 1), "x"),
}


@pytest.mark.parametrize("post", STRAYS.values(), ids=STRAYS.keys())
def test_an_answer_off_the_documented_types_reads_as_the_tolerant_reader_reads_it(
    post: dict[str, Any],
) -> None:
    try:
        expected = parse_post(json.loads(json.dumps(post)))
    except Exception as tolerant_error:
        with pytest.raises(type(tolerant_error)):
            read_both(post)
        return
    fast, _ = read_both(post)
    assert fast == expected
