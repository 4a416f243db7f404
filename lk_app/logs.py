"""Logging: never a secret (tokens, grants and codes in URLs are masked), and one JSON object a line when asked."""

import json
import logging
import re
from datetime import datetime, timezone

_SECRET_PARAMETER = re.compile(r"\b(token|grant|code)=[^&\s\"']+", re.IGNORECASE)
# The servers that log request lines with their query strings, which carry our link tokens and grants.
ACCESS_LOGGERS = ("uvicorn.access", "uvicorn.error", "granian.access", "_granian", "reflex")


def mask_secrets(text: str) -> str:
    """The text with the value of every token=, grant= and code= parameter replaced by ***."""
    return _SECRET_PARAMETER.sub(lambda match: f"{match.group(1)}=***", text)


class MaskSecrets(logging.Filter):
    """Masks a record's secrets in place, before any handler formats it; never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the message and each text argument, keeping their shape (uvicorn's formatter reads its args by position)."""
        if isinstance(record.msg, str):
            record.msg = mask_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_secrets(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


class JsonLines(logging.Formatter):
    """One JSON object a record, for log collectors: time, level, logger, message and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_secrets(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def install(log_format: str = "text") -> None:
    """Mask secrets on the request loggers of the servers LK runs under; with "json", LK's own records go out as JSON lines."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, MaskSecrets) for existing in logger.filters):
            logger.addFilter(MaskSecrets())
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
        root.setLevel(logging.INFO)
    formatter = JsonLines() if log_format == "json" else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        handler.setFormatter(formatter)
