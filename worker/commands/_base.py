"""What the commands share: opening the database, the checking stack (loaded lazily) and
the secrets kept out of the logs."""

from __future__ import annotations

import os

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from worker import logs, redact
from worker.db import create_engine, migrate, sqlite_file_missing
from worker.errors import NotFoundError
from worker.service import Service, default_worker_id
from worker.settings import Settings
from worker.store import Store


def _open_store(settings: Settings, sync: bool = False, create: bool = True) -> Store:
    """Migrate the database to the newest schema; with `sync` (init, check, run, source poll),
    make the config's [[watch]] and [[source]] lists true in it. Other commands leave the
    watches as they are. Without `create` (commands that only read), a SQLite file that
    does not exist is an error, not a new empty database: the path is likely mistyped."""
    missing = None if create else sqlite_file_missing(settings.database_url)
    if missing is not None:
        raise NotFoundError(
            f"no database at {missing}: create it with 'newswatch init' "
            "(or check --database-url / NEWSWATCH_DATABASE_URL / [database] url)"
        )
    engine = create_engine(settings.database_url)
    migrate(engine)
    store = Store(engine, noise_articles=settings.guard.noise_articles)
    if sync:
        store.sync_config_watches(settings.watch)
        store.sync_config_sources(settings.source)
        store.sync_config_noise(settings.watch, settings.source)
    return store


def _service(settings: Settings, store: Store) -> Service:
    stack = _checking_stack()
    fetcher = stack.Fetcher(settings.http)
    worker_id = default_worker_id()
    channels = stack.build_channels(settings)
    dispatcher = stack.Dispatcher(settings, store, channels, worker_id) if channels else None
    pipeline = stack.Pipeline(settings, store, fetcher, batch_quiet=True, isolate=True)
    poller = stack.Poller(settings, store, fetcher)
    return Service(settings, store, pipeline, worker_id, dispatcher, poller)


class _Stack:
    """The classes of the checking stack, imported on first use (see the module docstring)."""

    def __init__(self) -> None:
        from worker.fetch import Fetcher
        from worker.outbox import Dispatcher, build_channels, sample_message
        from worker.pipeline import Pipeline
        from worker.poller import Poller

        self.Fetcher, self.Pipeline, self.Poller, self.Dispatcher = (
            Fetcher,
            Pipeline,
            Poller,
            Dispatcher,
        )
        self.build_channels, self.sample_message = build_channels, sample_message


def _checking_stack() -> _Stack:
    return _Stack()


def hide_secrets(settings: Settings) -> None:
    """Keep the configured secrets out of every log line (see `worker.logs`)."""
    secrets = [settings.web.token or "", _password(settings.database_url)]
    for config in settings.alerts:
        url = config.url or os.environ.get(config.url_env or "", "")
        secret = config.secret or os.environ.get(config.secret_env or "", "")
        secrets += [secret, *redact.url_secrets(url, tokens_only=True)]
    logs.hide(secrets)


def _password(database_url: str) -> str:
    try:
        return make_url(database_url).password or ""
    except ArgumentError:
        return ""


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
