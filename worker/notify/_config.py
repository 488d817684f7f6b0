"""Reading one alert's URL and secret from its settings or the environment."""

from __future__ import annotations

from collections.abc import Mapping

from worker.errors import ConfigError
from worker.settings import AlertSettings


def alert_label(config: AlertSettings) -> str:
    """How configuration errors name the alert: `alerts[webhook 'newsroom']`."""
    if config.name:
        return f"alerts[{config.type} {config.name!r}]"
    return f"alerts[{config.type}]"


def resolve_url(config: AlertSettings, environ: Mapping[str, str]) -> str:
    """The target URL: from the variable named by `url_env`, else `url`; one is required."""
    url = _from_env(config, "url_env", environ) if config.url_env else config.url
    if not url:
        raise ConfigError(f"{alert_label(config)}: set url or url_env")
    return url


def resolve_secret(config: AlertSettings, environ: Mapping[str, str]) -> str | None:
    """The signing secret: from the variable named by `secret_env`, else `secret`, else None."""
    if config.secret_env:
        return _from_env(config, "secret_env", environ)
    return config.secret or None


def _from_env(config: AlertSettings, key: str, environ: Mapping[str, str]) -> str:
    variable = getattr(config, key)
    value = environ.get(variable, "").strip()
    if not value:
        raise ConfigError(f"{alert_label(config)}: {key} {variable} is not set")
    return value
