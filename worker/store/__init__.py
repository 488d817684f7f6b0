"""Every database query newswatch makes. Sessions open and close here, never elsewhere.

`Store` is the one object callers use; each section of its queries lives in its own module:

    watches     the watched article URLs
    sources     feeds, sitemaps and section pages, and what their polls enrol
    claims      leasing due watches to workers, and releasing them
    checks      saving checks (one by one, or quiet ones in batches)
    archive     the web archive's entries (the hash chain of each article), and its reads
    history     stored versions, changes, raw pages, what a check reads of them
    noise       noise rules, learned and the operator's, and what they did
    sites       hosts, sites and site health
    workers     worker heartbeats and /metrics counts
    retention   pruning what is kept only for a while
    browse      paged reads by id for the web UI
    search      full-text search over stored versions
    deliveries  the alert outbox (`Deliveries`)
"""

from worker.models import PARAGRAPH_BREAK, snapshot_article  # where callers expect them
from worker.store._base import StoreBase
from worker.store._leases import Lease, _claim_rows, lease_held
from worker.store._rows import _insert_new
from worker.store.archive import ArchiveQueries, Capture
from worker.store.browse import BrowseQueries
from worker.store.checks import CheckQueries, is_quiet
from worker.store.claims import ClaimQueries, _lease_free
from worker.store.deliveries import Deliveries
from worker.store.history import HistoryQueries
from worker.store.noise import NoiseQueries
from worker.store.retention import RetentionQueries
from worker.store.search import SearchQueries
from worker.store.sites import SiteQueries
from worker.store.sources import SourceQueries
from worker.store.watches import WatchQueries
from worker.store.workers import WorkerQueries

__all__ = [
    "PARAGRAPH_BREAK",
    "Capture",
    "Deliveries",
    "Lease",
    "Outbox",
    "Store",
    "_claim_rows",
    "_insert_new",
    "_lease_free",
    "is_quiet",
    "lease_held",
    "snapshot_article",
]


class Store(
    WatchQueries,
    SourceQueries,
    ClaimQueries,
    CheckQueries,
    ArchiveQueries,
    HistoryQueries,
    NoiseQueries,
    SiteQueries,
    WorkerQueries,
    RetentionQueries,
    BrowseQueries,
    SearchQueries,
    StoreBase,
):
    """The database behind newswatch; one instance per process, safe to share across threads."""


Outbox = Deliveries  # the name the outbox queries had before `worker.outbox` (the sender) took it
