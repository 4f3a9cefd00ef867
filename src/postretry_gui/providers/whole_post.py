"""The check every whole-post retry makes before sending (Ayrshare, Zernio): the provider
re-sends every failed destination of the post, so the choice must name failed ones only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from postretry_gui.domain import BulkRetryAck, Post
from postretry_gui.domain.errors import BadRequest, NothingToRetry
from postretry_gui.providers.http_backed import HttpBackedProvider
from postretry_gui.providers.pacing import Priority


def check_whole_post_choice(post: Post, account_ids: Sequence[str], provider: str) -> None:
    """Raise ``NothingToRetry`` when no destination of ``post`` failed, ``BadRequest`` when
    ``account_ids`` is empty or names one that did not fail (``provider``: for the text)."""
    failed = {d.account_id for d in post.failed}
    if not failed:
        raise NothingToRetry(
            "Nothing to retry: no destination of this post has failed.", http_status=None
        )
    chosen = {a.strip() for a in account_ids if isinstance(a, str)}
    if not chosen:
        raise BadRequest("No destination chosen to retry.", http_status=None)
    strangers = sorted(chosen - failed)
    if strangers:
        raise BadRequest(
            f"Not failed destinations of this post: {', '.join(strangers)[:200]}. {provider} "
            "retries a post's failed destinations only.",
            http_status=None,
        )


def refuse_bulk(provider: str) -> NoReturn:
    """A whole-post provider has no bulk retry (``bulk_max_posts`` is 0, so no plan asks for
    one): refused before anything leaves, should a caller ask anyway."""
    raise BadRequest(f"{provider} has no bulk retry: one request per post.", http_status=None)


class WholePostReads(HttpBackedProvider):
    """What the whole-post providers share beside the check: no lighter poll than the post
    itself, and no bulk retry. The provider defines ``get_post``."""

    async def get_post(self, post_id: str, *, priority: Priority = Priority.INTERACTIVE) -> Post:
        raise NotImplementedError

    async def results(self, post_id: str, *, priority: Priority = Priority.BACKGROUND) -> Post:
        return await self.get_post(post_id, priority=priority)

    async def retry_bulk(
        self,
        account_id: str,
        post_ids: Sequence[str],
        *,
        idempotency_key: str,
        priority: Priority = Priority.BACKGROUND,
    ) -> BulkRetryAck:
        refuse_bulk(self.capabilities.display_name)
