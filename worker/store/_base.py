"""The engine and the session every section of the store opens its queries in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlmodel import Session


class StoreBase:
    """The engine and its sessions; each section of the store adds its queries to it."""

    def __init__(self, engine: Engine, noise_articles: int = 3) -> None:
        self.engine = engine
        self.noise_articles = noise_articles

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
