"""The log channel: one JSON line per alert on the `worker.notify` logger."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from worker.settings import AlertSettings, HttpSettings
from worker.types import Message, SendResult

logger = logging.getLogger("worker.notify")


class LogChannel:
    """Write each alert as one structured INFO line; useful to try rules before real channels."""

    def __init__(self, name: str = "log") -> None:
        self.name = name

    @classmethod
    def from_config(
        cls, config: AlertSettings, http: HttpSettings, environ: Mapping[str, str]
    ) -> LogChannel:
        """A log channel needs nothing but its name."""
        return cls(config.channel_name)

    def send(self, message: Message) -> SendResult:
        """Log the alert; always ok."""
        record = {"event": message.event, "id": message.id, "title": message.title}
        record["data"] = message.data
        logger.info(json.dumps(record, ensure_ascii=False, default=str))
        return SendResult(ok=True)

    def close(self) -> None:
        """Nothing to release."""
