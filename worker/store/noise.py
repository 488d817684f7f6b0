"""Noise rules: page parts kept out of every comparison on a site, learned or the operator's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from worker.errors import NotFoundError, UsageError
from worker.models import NoiseRule, Watch, utcnow
from worker.settings import SourceSettings, WatchSettings
from worker.store._base import StoreBase
from worker.store._rows import _insert_new
from worker.types import NoiseKind, RuleEffect
from worker.urls import host_of, normalise_url

NOISE_SIGHTINGS = 200  # rotations remembered per noise rule


class NoiseQueries(StoreBase):
    """Learned noise, the operator's rules, and what they did."""

    def learned_noise(self, url: str) -> frozenset[str]:
        """The paragraph keys learned as noise on the host of `url`."""
        query = select(NoiseRule.key).where(
            NoiseRule.host == host_of(url), NoiseRule.kind == "learned", col(NoiseRule.learned)
        )
        with self.session() as session:
            return frozenset(session.exec(query))

    def noise_rules(self, host: str | None = None) -> list[NoiseRule]:
        """Every rule (learned, candidates, the operator's), by host then key."""
        query = select(NoiseRule)
        if host:
            query = query.where(NoiseRule.host == host.lower())
        with self.session() as session:
            return list(session.exec(query.order_by(col(NoiseRule.host), col(NoiseRule.key))))

    def add_noise_rule(self, host: str, kind: NoiseKind, key: str) -> NoiseRule:
        """An operator's rule for the whole host: `prefix` (words) or `selector` (CSS). A
        learned rule or candidate with the same key becomes the operator's."""
        host, now = host.lower(), utcnow()
        with self.session() as session:
            rule = _rule(session, host, key)
            if rule is not None and rule.from_config:
                raise UsageError(f"{host} {key!r} is set in the config file: change it there")
            if rule is None:
                rule = NoiseRule(host=host, key=key, first_seen=now, last_seen=now)
            rule.kind, rule.learned, rule.scope, rule.first_seen = kind, True, [], now
            session.add(rule)
            session.flush()
            session.refresh(rule)
            return rule

    def forget_noise(self, host: str, key: str) -> None:
        """Drop a rule; a learned one is learned again only from new evidence."""
        with self.session() as session:
            rule = _rule(session, host.lower(), key)
            if rule is None:
                raise NotFoundError(f"no noise rule {key!r} on {host}")
            if rule.from_config:
                raise UsageError(f"{host} {key!r} is set in the config file: remove it there")
            session.delete(rule)

    def sync_config_noise(
        self, watches: Sequence[WatchSettings], sources: Sequence[SourceSettings]
    ) -> None:
        """Make the config's `ignore` selectors the rules from the config: one rule per host
        and selector, scoped to the watches and sources that name it."""
        wanted: dict[tuple[str, str], list[str]] = {}
        for entry in [*watches, *sources]:
            url = normalise_url(str(entry.url))
            for selector in entry.ignore:
                wanted.setdefault((host_of(url), selector), []).append(url)
        now = utcnow()
        with self.session() as session:
            for rule in session.exec(select(NoiseRule).where(col(NoiseRule.from_config))):
                if (rule.host, rule.key) not in wanted:
                    session.delete(rule)
            for (host, selector), scope in wanted.items():
                _config_rule(session, host, selector, sorted(set(scope)), now)


def rules_for(session: Session, watch: Watch) -> list[NoiseRule]:
    """The rules that apply to a watch: its host's (learned or the operator's, host-wide),
    and the config's scoped to it or to the source that enrolled it."""
    host = host_of(watch.url)
    query = select(NoiseRule).where(
        sa.or_(NoiseRule.host == host, col(NoiseRule.from_config)),
        sa.or_(col(NoiseRule.learned), NoiseRule.kind != "learned"),
    )
    return [rule for rule in session.exec(query) if _applies(rule, watch, host)]


def note_noise(session: Session, watch: Watch, noise: tuple[str, str], needed: int) -> None:
    """One more sighting of a rotating block on this watch; learned once `needed` articles
    showed it rotate twice."""
    key, sample = noise
    host = host_of(watch.url)
    query = select(NoiseRule).where(NoiseRule.host == host, NoiseRule.key == key)
    now = utcnow()
    if session.exec(query).first() is None:
        _insert_new(session, NoiseRule(host=host, key=key, first_seen=now, last_seen=now))
    rule = session.exec(query.with_for_update()).one()
    if rule.kind != "learned":
        return  # the operator's rule already hides it
    # One id per sighting: a block that rotates does so on every fetch, so an article counts
    # once it showed the rotation twice; a paragraph rewritten once is an edit, not noise.
    rule.watch_ids = [*rule.watch_ids, watch.id][-NOISE_SIGHTINGS:]
    rule.sample, rule.last_seen = sample[:500], now
    rotating = [n for n, seen in Counter(rule.watch_ids).items() if seen >= 2]
    rule.learned = rule.learned or len(rotating) >= needed
    session.add(rule)


def note_effects(session: Session, watch: Watch, effects: Sequence[RuleEffect]) -> None:
    """Record what the operator's rules did on this check's page (shown by `noise list`)."""
    now = utcnow()
    by_key = {(effect.kind, effect.key): effect for effect in effects}
    for rule in rules_for(session, watch):
        effect = by_key.get((rule.kind, rule.key))  # type: ignore[arg-type]
        if effect is not None:
            rule.removed, rule.refused, rule.last_applied = effect.removed, effect.refused, now
            session.add(rule)


def _applies(rule: NoiseRule, watch: Watch, host: str) -> bool:
    if rule.scope:
        return watch.url in rule.scope or (watch.source or "") in rule.scope
    return rule.host == host


def _rule(session: Session, host: str, key: str) -> NoiseRule | None:
    query = select(NoiseRule).where(NoiseRule.host == host, NoiseRule.key == key)
    return session.exec(query).first()


def _config_rule(
    session: Session, host: str, selector: str, scope: list[str], now: datetime
) -> None:
    rule = _rule(session, host, selector)
    if rule is None:
        rule = NoiseRule(host=host, key=selector, first_seen=now, last_seen=now)
    elif not rule.from_config and rule.kind != "learned":
        return  # the operator's own rule for the whole host already hides it
    if not rule.from_config or rule.scope != scope:
        rule.first_seen = now  # a new scope: versions stored before are read again with it
    rule.kind, rule.learned, rule.from_config, rule.scope = "selector", True, True, scope
    session.add(rule)
