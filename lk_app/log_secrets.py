"""Logging that never writes a secret: link tokens, login grants and codes in URLs are masked."""

import logging
import re

_SECRET_PARAMETER = re.compile(r"\b(token|grant|code)=[^&\s\"']+", re.IGNORECASE)
# The servers that log request lines with their query strings, which carry our link tokens and grants.
ACCESS_LOGGERS = ("uvicorn.access", "uvicorn.error", "granian.access", "_granian", "reflex")


def mask_secrets(text: str) -> str:
    """The text with the value of every token=, grant= and code= parameter replaced by ***."""
    return _SECRET_PARAMETER.sub(lambda match: f"{match.group(1)}=***", text)


class MaskSecrets(logging.Filter):
    """Rewrites a record's message with its secrets masked, before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record in place; never drops it."""
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install() -> None:
    """Put the mask on the request loggers of the servers LK runs under (idempotent)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, MaskSecrets) for existing in logger.filters):
            logger.addFilter(MaskSecrets())
