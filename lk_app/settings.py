"""All LK settings in one place, read from the environment and `.env`."""

import ipaddress
import re
from decimal import Decimal
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# What LK says, and then exits, when a setting is refused (by `reflex run` and the command line alike).
SETTINGS_REFUSED = "LK cannot start: {error}"


class Settings(BaseSettings):
    """Every rule and address of SPEC.md that a supplier may change."""

    # hide_input_in_errors: a refusal must not print every setting it was given, provider keys among them.
    model_config = SettingsConfigDict(env_prefix="LK_", env_file=".env", extra="ignore", hide_input_in_errors=True)

    db_url: str = Field("sqlite:///lk.db", validation_alias=AliasChoices("REFLEX_DB_URL", "LK_DB_URL"))
    redis_url: str | None = Field(None, validation_alias=AliasChoices("REFLEX_REDIS_URL", "LK_REDIS_URL"))
    public_url: str = "http://localhost:3000"
    trusted_proxy_hops: int = 0  # reverse proxies in front of LK whose X-Forwarded-For is believed
    # Where the backend's own routes answer (bill PDFs, one-click unsubscribe): LK_PUBLIC_URL itself when page and
    # backend share one port (`reflex run --env prod`), the backend's address when they run apart.
    api_url: str | None = None

    sendgrid_api_key: str | None = None
    sendgrid_host: str = "https://api.sendgrid.com"
    email_from: str = "lk@example.ru"
    smsaero_email: str | None = None
    smsaero_api_key: str | None = None
    smsaero_gate: str | None = None
    sms_sign: str = "SMS Aero"
    provider_timeout_seconds: float = 10.0
    dispatch_max_attempts: int = 6
    dispatch_in_app: bool = True

    # "auto": on exactly when no provider is set and LK_PUBLIC_URL is this machine; 1 forces it on, 0 off.
    demo: Literal["auto"] | bool = "auto"
    log_format: str = "text"  # "json": one JSON object a line, for log collectors
    supplier_name: str = "ЭнергоСбыт Демо"
    logo_url: str = "/logo.svg"  # the supplier's logo: a file in assets/ or a full URL
    contact_phone: str = "8 800 100-00-00"
    contact_hours: str = "пн–пт 8:00–20:00, сб 9:00–15:00"
    support_email: str = "support@example.ru"
    readings_window: str = "15-26"  # FIRST-LAST, days of the month 1-31: checked at start, see readings_days
    timezone: str = "Europe/Moscow"  # the supplier's zone: times shown and every «today»; stored times stay UTC
    payment_url: str | None = None

    # Card and СБП payments through YooKassa: with a shop id and its secret key, «Оплатить» pays in LK.
    yookassa_shop_id: str | None = None
    yookassa_secret_key: str | None = None
    yookassa_api_url: str = "https://api.yookassa.ru/v3"  # the SDK's own default
    yookassa_check_ip: bool | None = None  # None: on exactly when LK_PUBLIC_URL is not this machine (a deployment)
    payment_max: Decimal = Field(Decimal("500000.00"), ge=Decimal("1.00"), decimal_places=2)
    receipt_vat_code: int = Field(1, ge=1, le=12)  # 54-ФЗ, YooKassa's vat_code: 1 is «без НДС»
    receipt_tax_system_code: int | None = Field(None, ge=1, le=6)  # unset: not sent (the cash register knows it)

    # The payee of every bill and its payment QR code (ГОСТ Р 56042-2014); checked in form at start.
    supplier_inn: str = Field("4401001231", pattern=r"^\d{10}$")
    supplier_kpp: str = Field("440101001", pattern=r"^\d{9}$")
    supplier_account: str = Field("40702810500000004217", pattern=r"^\d{20}$")  # расчётный счёт
    supplier_bank: str = Field("ПАО «Демобанк»", min_length=1, max_length=45)
    supplier_bic: str = Field("044525999", pattern=r"^\d{9}$")
    supplier_corr_account: str = Field("30101810600000000999", pattern=r"^\d{20}$")
    # A TrueType font with Cyrillic for the bill PDF: Debian's fonts-dejavu-core, which scripts/setup.sh installs.
    bill_font: str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

    password_min_length: int = 8
    password_max_length: int = 20
    bcrypt_rounds: int = 12
    email_link_ttl_hours: int = 24
    reset_link_ttl_hours: int = 1
    max_accounts_per_email: int = 10

    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    cookie_secure: bool | None = None  # None: Secure exactly when LK_PUBLIC_URL is https

    @field_validator("readings_window")
    @classmethod
    def _readings_window_is_two_days(cls, value: str) -> str:
        # Checked here, so that a wrong window stops the start instead of breaking the cabinet at render.
        match = re.fullmatch(r"\s*([0-9]{1,2})\s*-\s*([0-9]{1,2})\s*", value)
        if match is None or not 1 <= int(match[1]) <= int(match[2]) <= 31:
            raise ValueError(
                f"LK_READINGS_WINDOW={value!r} is refused: expected FIRST-LAST, two days of the month from 1 to 31, "
                "the first not after the last, like 15-26 (a day past a month's length means its last day)"
            )
        return f"{int(match[1])}-{int(match[2])}"

    @field_validator("yookassa_api_url")
    @classmethod
    def _yookassa_over_https(cls, value: str) -> str:
        # Every request carries the shop's secret key: plain http only to this machine (the tests' fake).
        if not (value.startswith("https://") or (value.startswith("http://") and _is_this_machine(value))):
            raise ValueError(
                f"LK_YOOKASSA_API_URL={value!r} is refused: expected an https:// address like "
                "https://api.yookassa.ru/v3 (plain http only to this machine)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_is_known(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of zones, like "Europe"
            raise ValueError(
                f"LK_TIMEZONE={value!r} is refused: not a known time zone; expected an IANA name like Europe/Moscow"
            ) from None
        return value

    @model_validator(mode="after")
    def _demo_only_outside_a_deployment(self) -> "Settings":
        # Demo mode shows every message's links and codes to anyone: never where real people get them.
        if self.demo is True and (self.has_provider or self.public_url.startswith("https://")):
            raise ValueError(
                "LK_DEMO=1 is refused: demo mode shows every e-mail and SMS at /dev/outbox, and this is a real "
                "deployment (an e-mail, SMS or payment provider is set, or LK_PUBLIC_URL is https). "
                "Unset LK_DEMO or set it to 0."
            )
        return self

    @property
    def readings_days(self) -> tuple[int, int]:
        """The first and last day of LK_READINGS_WINDOW, as checked at start."""
        first, last = self.readings_window.split("-")
        return int(first), int(last)

    @property
    def has_provider(self) -> bool:
        """Whether a real e-mail, SMS or payment provider is configured."""
        return bool(self.sendgrid_api_key or self.smsaero_email or self.smsaero_api_key or self.has_acquirer)

    @property
    def has_acquirer(self) -> bool:
        """Whether payments go through YooKassa (a shop id and its secret key are set)."""
        return bool(self.yookassa_shop_id and self.yookassa_secret_key)

    @property
    def payment_max_kop(self) -> int:
        """LK_PAYMENT_MAX in kopecks."""
        return int(self.payment_max * 100)

    @property
    def checks_notifier_ip(self) -> bool:
        """Whether payment notifications are taken only from YooKassa's published addresses."""
        if self.yookassa_check_ip is not None:
            return self.yookassa_check_ip
        return not _is_this_machine(self.public_url)

    @property
    def demo_mode(self) -> bool:
        """Whether demo mode is on: sample accounts on the login page and `/dev/outbox`."""
        if self.demo == "auto":
            return not self.has_provider and _is_this_machine(self.public_url)
        return self.demo

    @property
    def payment_page(self) -> str | None:
        """LK_PAYMENT_URL; in demo mode without it, the demo's stand-in for a supplier's page, so «Оплатить» is there."""
        if self.payment_url or not self.demo_mode:
            return self.payment_url
        return self.public_url.rstrip("/") + "/dev/pay?account={account}&amount={amount}"

    @property
    def backend_url(self) -> str:
        """The base of links to the backend's routes, without a trailing slash."""
        return (self.api_url or self.public_url).rstrip("/")

    @property
    def secure_cookies(self) -> bool:
        """Whether the session cookie carries the Secure flag."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.public_url.startswith("https://")


def _is_this_machine(url: str) -> bool:
    """Whether a URL names localhost or a loopback address."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@lru_cache
def get_settings() -> Settings:
    """The settings of this process (tests clear the cache after changing the environment)."""
    return Settings()
