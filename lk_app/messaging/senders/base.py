"""The one interface every provider backend implements, and the two ways a send can fail."""

from abc import ABC, abstractmethod
from datetime import datetime

from lk_app.models import OutboxMessage


class SendError(Exception):
    """A provider did not take the message; the text names the cause, never the message body."""


class TransientSendError(SendError):
    """Worth another try later: rate limits, provider errors, timeouts, broken connections.

    `retry_at` is when the provider said it would take requests again (a rate limit's reset): no message of the
    channel should go to it before then.
    """

    def __init__(self, reason: str, *, retry_at: datetime | None = None) -> None:
        super().__init__(reason)
        self.retry_at = retry_at


class PermanentSendError(SendError):
    """Another try would fail the same way: the provider refused the request itself."""


class Sender(ABC):
    """Hands outbox messages of one channel to a provider."""

    @abstractmethod
    def send(self, message: OutboxMessage) -> str | None:
        """Send one message; returns the provider's message id when it gives one."""
