"""YooKassa through its SDK: create a payment under an idempotence key, read one by id, read a notification."""

import functools
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import requests
from yookassa import Configuration, Payment
from yookassa.client import ApiClient
from yookassa.domain.common import SecurityHelper
from yookassa.domain.exceptions import ApiError, BadRequestError, ForbiddenError, NotFoundError, UnauthorizedError
from yookassa.domain.notification import WebhookNotificationFactory

from lk_app.payments.receipt import PaymentOrder, payment_request

logger = logging.getLogger(__name__)
# A create that got no answer is sent again under the same key: YooKassa makes the payment once.
CREATE_ATTEMPTS = 3
RETRY_PAUSE_SECONDS = 0.5
PAYMENT_EVENTS = ("payment.succeeded", "payment.canceled", "payment.waiting_for_capture")
_REFUSALS = (BadRequestError, UnauthorizedError, ForbiddenError, NotFoundError)


class AcquirerUnavailable(Exception):
    """YooKassa did not answer in time, or answered that it cannot now (5xx, 429): try again later."""


class AcquirerRefused(Exception):
    """YooKassa refused the request as wrong (4xx): sending it again as it is would be refused again."""

    def __init__(self, code: str, parameter: str) -> None:
        super().__init__(f"{code} ({parameter})" if parameter else code)
        self.code = code
        self.parameter = parameter


@dataclass(frozen=True)
class AcquirerPayment:
    """A payment as YooKassa's API reports it."""

    id: str
    status: str  # pending, waiting_for_capture, succeeded, canceled
    amount_kop: int
    confirmation_url: str
    captured_at: datetime | None
    cancellation_reason: str
    lk_payment: str  # LK's own id of it, from the metadata LK gave


class _Client(ApiClient):
    """The SDK's client with a deadline on every request: the SDK sends without one, so a hung API held the thread."""

    deadline_seconds = 10.0

    def get_session(self) -> requests.Session:
        session = super().get_session()
        session.request = functools.partial(session.request, timeout=self.deadline_seconds)
        return session


class _Payment(Payment):
    def __init__(self) -> None:
        self.client = _Client()


class YooKassa:
    """One shop at YooKassa. The SDK's configuration is global to the process: one shop per process, as LK has."""

    def __init__(self, shop_id: str, secret_key: str, *, api_url: str, timeout_seconds: float, vat_code: int,
                 tax_system_code: int | None) -> None:
        self._shop_id, self._secret_key, self._api_url = shop_id, secret_key, api_url.rstrip("/")
        self._timeout = timeout_seconds
        self._vat_code, self._tax_system_code = vat_code, tax_system_code

    def create(self, order: PaymentOrder, idempotence_key: str) -> AcquirerPayment:
        """Create the order's payment; a request left unanswered is sent again under the same key."""
        body = payment_request(order, vat_code=self._vat_code, tax_system_code=self._tax_system_code)
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                return self._call(lambda: _Payment.create(body, idempotence_key))
            except AcquirerUnavailable:
                if attempt == CREATE_ATTEMPTS:
                    raise
                logger.warning("YooKassa did not answer a payment's creation (try %s of %s); sending it again",
                               attempt, CREATE_ATTEMPTS)
                time.sleep(RETRY_PAUSE_SECONDS * attempt)
        raise AssertionError("unreachable")

    def fetch(self, payment_id: str) -> AcquirerPayment:
        """The payment as YooKassa has it now."""
        return self._call(lambda: _Payment.find_one(payment_id))

    def _call(self, request) -> AcquirerPayment:
        Configuration.configure(self._shop_id, self._secret_key, api_url=self._api_url)
        _Client.deadline_seconds = self._timeout
        try:
            return _acquirer_payment(request())
        except _REFUSALS as error:
            content = error.content or {}
            raise AcquirerRefused(content.get("code", type(error).__name__), content.get("parameter", "")) from error
        except ApiError as error:  # 5xx, 429 and the rest: the API could not take the request now
            raise AcquirerUnavailable(str(error.content)) from error
        except Exception as error:
            # The SDK answers a failed connection or a timeout with an AttributeError of its own (it reads the status
            # of a response that never came); the cause rides along as the context.
            cause = error if isinstance(error, requests.RequestException) else error.__context__
            if isinstance(cause, requests.RequestException):
                raise AcquirerUnavailable(f"{type(cause).__name__}: {cause}") from error
            raise


def _acquirer_payment(response) -> AcquirerPayment:
    confirmation = getattr(response, "confirmation", None)
    cancellation = getattr(response, "cancellation_details", None)
    captured = getattr(response, "captured_at", None)
    return AcquirerPayment(
        id=response.id,
        status=response.status,
        amount_kop=int(Decimal(str(response.amount.value)) * 100),
        confirmation_url=getattr(confirmation, "confirmation_url", None) or "",
        captured_at=datetime.fromisoformat(captured.replace("Z", "+00:00")) if captured else None,
        cancellation_reason=(getattr(cancellation, "reason", None) or "") if cancellation else "",
        lk_payment=(response.metadata or {}).get("lk_payment", ""),
    )


def notified_payment_id(body: bytes) -> str | None:
    """The payment id a YooKassa notification names, read by the SDK; None for anything that is not one about a payment.

    Only the id is taken: whoever sent it, what it says of the payment is asked of the API.
    """
    try:
        notification = WebhookNotificationFactory().create(json.loads(body))
    except (ValueError, TypeError, AttributeError, KeyError):
        return None
    payment_id = getattr(notification.object, "id", None) if notification.event in PAYMENT_EVENTS else None
    return payment_id if isinstance(payment_id, str) and 0 < len(payment_id) <= 64 else None


def is_yookassa_address(ip: str) -> bool:
    """Whether an address is one of those YooKassa publishes for its notifications (the SDK's own list)."""
    try:
        return SecurityHelper().is_ip_trusted(ip)
    except Exception:  # noqa: BLE001 - netaddr raises its own errors for what is not an address: not YooKassa's
        return False


def acquirer_from_settings(settings) -> YooKassa | None:
    """The shop of LK_YOOKASSA_*; None when payments do not go through YooKassa."""
    if not settings.has_acquirer:
        return None
    return YooKassa(settings.yookassa_shop_id, settings.yookassa_secret_key, api_url=settings.yookassa_api_url,
                    timeout_seconds=settings.provider_timeout_seconds, vat_code=settings.receipt_vat_code,
                    tax_system_code=settings.receipt_tax_system_code)
