"""What every provider built on ``HttpClient`` shares, so each provider's package holds only
what differs: its envelope (``_read_body``), its list query (``_list_page``), its headers
and error shapes (given to its ``HttpClient``)."""

from __future__ import annotations

from typing import ClassVar, Self

from postretry_gui.domain import ProviderCapabilities, RateLimitState
from postretry_gui.providers.base import Page, PostFilter
from postretry_gui.providers.http import HttpClient, HttpResponse, QueryParams
from postretry_gui.providers.pacing import Priority, RatePacer


class HttpBackedProvider:
    """The requests' plumbing of a provider on ``HttpClient``: its facts, the budget its
    client last saw, its pacer, reads through its envelope, the page size, and closing (also
    as ``async with``).

    A provider sets ``capabilities`` and ``max_page_size``, builds ``_http``, and defines
    ``_read_body`` and ``_list_page``."""

    _http: HttpClient
    # The provider's facts (its spec's): what the UI and the plans read.
    capabilities: ClassVar[ProviderCapabilities]
    # The largest page the provider's list route serves: the default and the cap of a page.
    max_page_size: ClassVar[int]

    def __repr__(self) -> str:
        # The client's repr names the server only: never a key.
        return f"{type(self).__name__}({self._http!r})"

    @property
    def rate_limit(self) -> RateLimitState:
        return self._http.rate_limit

    @property
    def pacer(self) -> RatePacer:
        return self._http.pacer

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _read_body(self, response: HttpResponse) -> object:
        """The payload of a 2xx answer through the provider's envelope (an answer that cannot
        be read: ``MalformedResponse``)."""
        raise NotImplementedError

    async def _get(
        self, path: str, params: QueryParams | None = None, *, priority: Priority
    ) -> object:
        response = await self._http.request("GET", path, params=params, priority=priority)
        return self._read_body(response)

    async def list_posts(
        self,
        post_filter: PostFilter,
        cursor: str | None = None,
        limit: int | None = None,
        *,
        priority: Priority = Priority.INTERACTIVE,
    ) -> Page:
        """One page of at most ``limit`` posts (None: the largest page the provider serves;
        anything else is held between 1 and that)."""
        largest = self.max_page_size
        wanted = largest if limit is None else min(max(int(limit), 1), largest)
        return await self._list_page(post_filter, cursor, wanted, priority)

    async def _list_page(
        self, post_filter: PostFilter, cursor: str | None, limit: int, priority: Priority
    ) -> Page:
        raise NotImplementedError
