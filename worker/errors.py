"""The exceptions newswatch raises, all under one catchable root.

    NewswatchError
     ├── ConfigError          bad configuration file, key or value (exit status 2)
     ├── UsageError           bad command-line arguments (exit status 2)
     │    └── BadURLError         a URL that cannot be one (port 99999, unclosed '[')
     ├── NotFoundError        no such watch / version in the database
     ├── DatabaseError        the database could not be opened, migrated or written
 ├── LeaseLostError       a check's lease ran out before it was saved; the result is dropped
 ├── BudgetError          reading or comparing a page overran its time budget, or failed
 ├── DiscoverError        a feed, sitemap, pattern or address met while discovering articles
 │                        cannot be used (also: an address that is not public)
 ├── ArchiveError         the web archive ([archive] dir) could not be written or read
     └── FetchError           anything that stops a fetch; carries the URL
          ├── NetworkError        connection refused, DNS failure, reset, ...
          │    └── FetchTimeoutError       connect or read timeout
          ├── HTTPStatusError     4xx / 5xx answer; carries the status and the exchange
          ├── TooLargeError       the body passed the size cap (decompressed bytes)
          ├── NotHTMLError        a content type that is not an HTML page
          └── RefusedError        not fetched on purpose: robots.txt disallows it, or it
                                  resolves to a private address for an untrusted watch

A fetch failure of one article is recorded as a Check row with outcome `error`; it never
stops the other articles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from worker.types import FetchResult


class NewswatchError(Exception):
    """Root of every error newswatch raises on purpose."""


class ConfigError(NewswatchError):
    """A configuration file or value is invalid; the message names file, key and problem."""


class UsageError(NewswatchError):
    """A command was called with arguments that cannot work."""


class BadURLError(UsageError, ValueError):
    """A URL that cannot be parsed; also a ValueError, which urllib raises for the same."""


class NotFoundError(NewswatchError):
    """A watch or a stored version asked for does not exist."""


class DatabaseError(NewswatchError):
    """The database could not be reached, migrated or written."""


class LeaseLostError(NewswatchError):
    """A worker's lease on a watch expired before it saved the check; another has it now."""


class BudgetError(NewswatchError):
    """Reading or comparing one page ran past `[schedule] budget` (or its process failed);
    the check is an error, and the next one reads the page afresh."""


class DiscoverError(NewswatchError):
    """A feed, sitemap, pattern or address met while discovering articles cannot be used."""


class ArchiveError(NewswatchError):
    """The web archive could not be written or read: the folder, a file, a record."""


class FetchError(NewswatchError):
    """A fetch failed; `url` is the address that was asked for, `exchange` the answer when
    one came (an HTTPStatusError's)."""

    def __init__(
        self,
        message: str,
        *,
        url: str,
        status: int | None = None,
        retry_after: float | None = None,
        exchange: FetchResult | None = None,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.retry_after = retry_after
        self.exchange = exchange


class NetworkError(FetchError):
    """The server could not be reached or the connection broke."""


class FetchTimeoutError(NetworkError):
    """The server did not answer within the configured timeout."""


class HTTPStatusError(FetchError):
    """The server answered with an error status (4xx or 5xx); `exchange` is that answer as
    the web archive keeps it (status line and headers; the body is not read)."""


class TooLargeError(FetchError):
    """The (decompressed) body passed the configured size cap."""


class NotHTMLError(FetchError):
    """The response is not an HTML page (a PDF, an image, JSON, ...)."""


class RefusedError(FetchError):
    """newswatch would not fetch this URL: robots.txt, or a private address."""
