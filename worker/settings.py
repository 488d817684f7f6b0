"""Settings: read once from a TOML file plus NEWSWATCH_* environment variables, validated.

Durations are written `90s`, `15m`, `2h` or `1d` (a bare number means seconds).
"""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from worker.config_file import describe, read_toml
from worker.config_values import (
    ByteSize,
    Delay,
    Duration,
    Fetcher,
    RetrySchedule,
    Selectors,
    Stages,
    positive,
    require_browser_extra,
)
from worker.durations import LONGEST_DURATION, parse_duration
from worker.errors import ConfigError
from worker.types import AlertGroup, ChangeField, Significance, SourceKind

DEFAULT_CONFIG = Path("config/newswatch.toml")

# Every environment variable newswatch itself reads (alerts may name more with *_env keys).
ENVIRONMENT = {
    "NEWSWATCH_CONFIG": "the configuration file (default config/newswatch.toml)",
    "NEWSWATCH_DATABASE_URL": "[database] url",
    "NEWSWATCH_WEB_TOKEN": "[web] token, the access token of `newswatch serve`",
}
DEFAULT_DATABASE_URL = "sqlite:///newswatch.db"
USER_AGENT = "newswatch/0.1 (+https://github.com/newswatch/newswatch)"


_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")  # as a Host header carries it


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str = DEFAULT_DATABASE_URL
    # How long `run` keeps Check rows and sent alerts; versions and changes are kept forever.
    # "0s" keeps everything.
    keep_checks: Delay = timedelta(days=90)
    keep_sent_alerts: Delay = timedelta(days=30)

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, url: str) -> str:
        if not url.strip():
            raise ValueError("the database URL is empty: give sqlite:///newswatch.db or similar")
        if url.rstrip("/") == "sqlite:" or url.startswith(
            ("sqlite://:memory:", "sqlite:///:memory")
        ):
            raise ValueError(
                "an in-memory SQLite database keeps nothing between commands: give a file, "
                "such as sqlite:///newswatch.db"
            )
        if not url.startswith(("sqlite://", "postgresql")):
            scheme = url.partition(":")[0] or url[:20]
            raise ValueError(
                f"unsupported database URL scheme {scheme!r}: use sqlite:/// or "
                "postgresql+psycopg://"
            )
        return url


# The long-running news-diff projects: every 15 min for 3 hours after the last change, hourly
# up to a day, every 3 hours up to a week, every 3 days up to a month, then monthly up to a year.
DEFAULT_STAGES = (
    (timedelta(hours=3), timedelta(minutes=15)),
    (timedelta(days=1), timedelta(hours=1)),
    (timedelta(days=7), timedelta(hours=3)),
    (timedelta(days=30), timedelta(days=3)),
    (timedelta(days=365), timedelta(days=30)),
)


class ScheduleSettings(_Section):
    """When articles are checked. `every` is the interval of a young article: the first
    stage's. Without `stages`, the default stages are scaled from it (every = "5s" checks a
    young article every 5 s, one older than 3 h every 20 s, ...); with `stages` given, `every`
    replaces the first stage's interval. A watch's own `every` beats both."""

    every: Duration = timedelta(minutes=15)
    stages: Stages = DEFAULT_STAGES
    retire: bool = True
    tick: Duration = timedelta(seconds=5)
    jitter: float = Field(default=0.1, ge=0, le=0.5)
    max_backoff: Duration = timedelta(days=1)
    workers: int = Field(default=4, ge=1, le=64)
    lease: Duration = timedelta(minutes=5)
    # The time one check may spend reading and comparing a page (in a child process, so a
    # hostile page cannot stall the other checks); past it, the check is an error.
    budget: Duration = timedelta(seconds=30)

    @model_validator(mode="before")
    @classmethod
    def _stages_from_every(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "every" not in data:
            return data
        try:
            every = positive(parse_duration(data["every"]))
        except ValueError:
            return data  # the field's own validator names the problem
        stages = data.get("stages")
        if stages is None:
            return {**data, "stages": scaled_stages(every)}
        if isinstance(stages, list | tuple) and stages and isinstance(stages[0], list | tuple):
            first = list(stages[0])
            return {**data, "stages": [[first[0], every], *stages[1:]]} if first else data
        return data


def scaled_stages(every: timedelta) -> tuple[tuple[timedelta, timedelta], ...]:
    """The default stages with every interval scaled so that the first one is `every`."""
    factor = every / DEFAULT_STAGES[0][1]
    return tuple(
        (
            age,
            min(
                max(timedelta(seconds=round((interval * factor).total_seconds())), every),
                LONGEST_DURATION,
            ),
        )
        for age, interval in DEFAULT_STAGES
    )


class HttpSettings(_Section):
    timeout: Duration = timedelta(seconds=20)
    max_bytes: int = Field(default=10_000_000, ge=1024)
    max_redirects: int = Field(default=10, ge=0, le=30)
    user_agent: str = USER_AGENT
    contact: str | None = None
    max_rps: float = Field(default=0, ge=0)
    per_host_concurrency: int = Field(default=2, ge=1)
    per_host_delay: Delay = timedelta(seconds=1)
    retries: int = Field(default=1, ge=0, le=5)


class FetchSettings(_Section):
    """Pages that need a browser: Playwright (the `browser` extra) driving the system's
    Chromium, never a downloaded one.

    `browser = "auto"` fetches again in the browser an article whose static HTML holds no
    article but looks like a script shell, and remembers that it needs it; "off" (the default)
    uses the browser only for watches and sources with `fetcher = "browser"`. `pages`: pages
    rendered at once; `timeout`: the whole render of one page (default: [http] timeout);
    `restart_after`: pages one browser renders before it is replaced (leaks stay bounded).
    """

    browser: Literal["off", "auto"] = "off"
    chromium: Path = Path("/usr/bin/chromium")
    pages: int = Field(default=2, ge=1, le=16)
    timeout: Duration | None = None
    restart_after: int = Field(default=100, ge=1)

    @field_validator("browser")
    @classmethod
    def _extra_installed(cls, value: str) -> str:
        if value == "auto":
            require_browser_extra('browser = "auto"')
        return value


class GuardSettings(_Section):
    """Guards against false changes: suspect extractions and removals must persist."""

    confirm_checks: int = Field(default=3, ge=1, le=50)
    held_retry: Duration = timedelta(minutes=5)
    collapse_ratio: float = Field(default=0.5, gt=0, lt=1)
    min_words: int = Field(default=40, ge=0)
    removal_checks: int = Field(default=3, ge=1)
    removal_after: Delay = timedelta(hours=6)
    failing_after: int = Field(default=5, ge=1)
    noise_articles: int = Field(default=3, ge=2)
    degraded_articles: int = Field(default=3, ge=1)
    degraded_window: Duration = timedelta(hours=2)


class WebSettings(_Section):
    """`newswatch serve`: where it listens, its access token, and the address alerts link to.

    Binding to anything but a loopback address requires the token (or NEWSWATCH_WEB_TOKEN).
    `hosts` are the names, beyond loopback, the bound host and base_url's, that requests may
    carry in their Host header: any other is refused, so a page cannot rebind its name to us.
    """

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    token: str | None = Field(default=None, repr=False)
    base_url: str | None = None
    hosts: tuple[str, ...] = ()

    @field_validator("hosts")
    @classmethod
    def _bare_names(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        names = tuple(host.strip().lower().removeprefix("[").removesuffix("]") for host in hosts)
        for given, name in zip(hosts, names, strict=True):
            if not _HOST_NAME.fullmatch(name) and not _is_ip_address(name):
                raise ValueError(
                    f"{given!r} is not a host name: write it as news.example.org or an IP"
                    " address, without scheme, port or path"
                )
        return names


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class SourceSettings(_Section):
    """A feed, sitemap or section page whose articles are watched as they appear.

    Caps on what one source may enrol, whatever it lists: `max_articles` (default 5000)
    active watches in all, and `max_new_hosts` (default 20) hosts it never enrolled on before
    in one poll. At a cap the source is still polled (known articles still get their
    re-check hints) but enrols nothing more, and `source list` says why; a watch retiring or
    removed makes room again. A source added with `source add` has the defaults.
    """

    url: AnyHttpUrl
    kind: SourceKind = "auto"
    pattern: str | None = None
    label: str | None = None
    every: Duration = timedelta(minutes=15)
    stages: Stages | None = None
    allow_private: bool = False
    ignore_robots: bool = False
    max_articles: int = Field(default=5000, ge=1)
    max_new_hosts: int = Field(default=20, ge=1)
    ignore: Selectors = []  # applies to every article this source enrols
    fetcher: Fetcher = None  # for the articles it enrols (default: as [fetch] browser says)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
        return pattern


class WatchSettings(_Section):
    url: AnyHttpUrl
    every: Duration | None = None
    label: str | None = None
    ignore: Selectors = []
    fetcher: Fetcher = None  # plain, browser or auto (default: as [fetch] browser says)


# The Standard Webhooks retry schedule: after a failed first attempt, the waits before attempt
# 2, 3, ... 10 (each spread ±10%); past the last, a delivery has failed for good.
DEFAULT_RETRY = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)


class AlertSettings(_Section):
    """One alert channel and the rules that pick what it is sent.

    Secrets can stay out of the file: `secret_env` and `url_env` name environment variables.
    """

    type: Literal["webhook", "apprise", "log"]
    name: str | None = None
    url: str | None = None
    url_env: str | None = None
    secret: str | None = Field(default=None, repr=False)
    secret_env: str | None = None
    timeout: Duration = timedelta(seconds=10)
    min_significance: Significance = "minor"
    fields: list[ChangeField] = []
    labels: list[str] = []
    sources: list[str] = []
    keywords: list[str] = []
    events: list[AlertGroup] = ["changed", "removed", "restored", "operator"]
    digest: Duration | None = None
    # The waits before each retry of a failed delivery: one attempt plus one a wait.
    retry: RetrySchedule = DEFAULT_RETRY

    @property
    def channel_name(self) -> str:
        """The name deliveries are recorded under."""
        return self.name or self.type


# Sizes are written "1GB", "500MB", "64KB" (powers of 1000), "1GiB", "512MiB" (powers of
# 1024) or as a whole number of bytes.
class ArchiveSettings(_Section):
    """The web archive: the HTTP exchange of every new version, removal and restoration kept
    as WARC/1.1 records in rotating files under `dir` (no archive while `dir` is unset).
    A file is closed and a new one started past `max_file_size`."""

    dir: Path | None = None
    max_file_size: ByteSize = 1_000_000_000

    @field_validator("dir", mode="before")
    @classmethod
    def _named(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("give a folder, such as 'archive', or leave dir out (no archive)")
        return value


class Settings(_Section):
    database: DatabaseSettings = DatabaseSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    http: HttpSettings = HttpSettings()
    fetch: FetchSettings = FetchSettings()
    guard: GuardSettings = GuardSettings()
    web: WebSettings = WebSettings()
    watch: list[WatchSettings] = []
    source: list[SourceSettings] = []
    alerts: list[AlertSettings] = []
    archive: ArchiveSettings = ArchiveSettings()
    config_file: Path | None = None

    @field_validator("alerts")
    @classmethod
    def _distinct_channels(cls, alerts: list[AlertSettings]) -> list[AlertSettings]:
        first: dict[str, int] = {}
        for index, config in enumerate(alerts):
            name = config.channel_name
            if name in first:
                raise ValueError(
                    f"alerts[{first[name]}] and alerts[{index}] are both named {name!r}: "
                    "deliveries are recorded by channel name, so give each [[alerts]] its own "
                    "`name`"
                )
            first[name] = index
        return alerts

    @model_validator(mode="after")
    def _chromium_present(self) -> Settings:
        """A browser asked for needs the Chromium it names."""
        wanted = self.fetch.browser == "auto" or any(
            entry.fetcher in ("browser", "auto") for entry in (*self.watch, *self.source)
        )
        path = self.fetch.chromium
        if wanted and not (path.is_file() and os.access(path, os.X_OK)):
            raise ValueError(
                f"[fetch] chromium: no Chromium at {path}, and a fetcher asks for the browser "
                "(install the distribution's chromium, or give its path)"
            )
        return self

    @property
    def database_url(self) -> str:
        return self.database.url

    @property
    def render_timeout(self) -> timedelta:
        """The whole render of one page in the browser: [fetch] timeout, else [http]'s."""
        return self.fetch.timeout or self.http.timeout


def load_settings(
    config: str | Path | None = None,
    database_url: str | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Read the config file (or built-in defaults) and apply the overrides.

    `config` None means NEWSWATCH_CONFIG or config/newswatch.toml, which may be missing;
    a file named explicitly must exist. `database_url` beats NEWSWATCH_DATABASE_URL,
    which beats the file.
    """
    env = os.environ if environ is None else environ
    path, explicit = _config_path(config, env)
    data = read_toml(path, explicit)
    given = database_url if database_url is not None else env.get("NEWSWATCH_DATABASE_URL")
    _override(data, "database", "url", given)
    _override(data, "web", "token", env.get("NEWSWATCH_WEB_TOKEN") or None)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe(exc, path if path.exists() else None)) from None
    found = path if path.exists() else None
    return _beside(settings, found).model_copy(update={"config_file": found})


def _beside(settings: Settings, config_file: Path | None) -> Settings:
    """A relative `[archive] dir` is the folder of that name beside the config file, so
    that every command finds the same archive wherever it is run from."""
    folder = settings.archive.dir
    if config_file is None or folder is None or folder.is_absolute():
        return settings
    archive = settings.archive.model_copy(update={"dir": config_file.resolve().parent / folder})
    return settings.model_copy(update={"archive": archive})


def _override(data: dict[str, Any], section: str, key: str, value: str | None) -> None:
    if value is not None:
        data.setdefault(section, {})
        if isinstance(data[section], dict):
            data[section][key] = value


def _config_path(config: str | Path | None, env: Any) -> tuple[Path, bool]:
    if config is not None:
        return Path(config), True
    if env.get("NEWSWATCH_CONFIG"):
        return Path(env["NEWSWATCH_CONFIG"]), True
    return DEFAULT_CONFIG, False
