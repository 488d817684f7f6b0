"""Alert channels: the registry, the Channel protocol and `build_channel`.

Each channel sends one Message per call and reports the attempt as a SendResult; it never
raises for a delivery failure, and its error texts never carry secrets. The outbox dispatcher
decides what to send, when to retry and when to give up.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Protocol

from worker.notify.apprise import AppriseChannel
from worker.notify.log import LogChannel
from worker.notify.webhook import WebhookChannel
from worker.settings import AlertSettings, HttpSettings
from worker.types import Message, SendResult


class Channel(Protocol):
    """What the dispatcher calls: `send` one message, `close` at shutdown."""

    name: str

    def send(self, message: Message) -> SendResult:
        """Deliver once; failures are results, not exceptions."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


CHANNELS = {"webhook": WebhookChannel, "apprise": AppriseChannel, "log": LogChannel}


def build_channel(
    config: AlertSettings, http: HttpSettings, environ: Mapping[str, str] | None = None
) -> Channel:
    """The channel of one `[[alerts]]` entry; ConfigError names the entry when it cannot work."""
    env = os.environ if environ is None else environ
    return CHANNELS[config.type].from_config(config, http, env)


__all__ = ["CHANNELS", "Channel", "build_channel"]
