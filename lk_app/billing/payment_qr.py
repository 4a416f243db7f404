"""The payment QR code of GOST R 56042-2014: its text (`ST00012|Name=…|…`, UTF-8) and its modules."""

import re
from dataclasses import dataclass

import zxingcpp

# Format "ST", standard version "0001", character set "2" (UTF-8), then the separator that starts each field.
HEADER = "ST00012"
SEPARATOR = "|"
# The standard's longest values; a longer one is cut rather than let a bank app refuse the whole code.
LONGEST = {"Name": 160, "BankName": 45, "Purpose": 210}
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Payee:
    """Who is paid: the supplier and its bank, as the settings give them."""

    name: str
    account: str  # the settlement account at the bank, 20 digits
    bank: str
    bic: str
    corr_account: str
    inn: str
    kpp: str


@dataclass(frozen=True)
class PaymentOrder:
    """One payment a bank app fills in from the code: to whom, how much, for what, by whom."""

    payee: Payee
    sum_kop: int
    purpose: str
    account_number: str  # the customer's billing account number (PersAcc)
    period: str  # YYYY-MM, written MMYYYY in the code
    last_name: str


def clean(value: str) -> str:
    """A field value that cannot break the code: one line, and the separator, which has no escape, made a slash."""
    return _WHITESPACE.sub(" ", value).strip().replace(SEPARATOR, "/")


def payment_text(order: PaymentOrder) -> str:
    """The text of the code: the five required fields in the standard's order, then the optional ones.

    The sum is in kopecks; a bill with nothing to pay has none, and the bank app asks the customer for one.
    """
    payee = order.payee
    year, month = order.period.split("-")
    fields = [
        ("Name", payee.name),
        ("PersonalAcc", payee.account),
        ("BankName", payee.bank),
        ("BIC", payee.bic),
        ("CorrespAcc", payee.corr_account),
        ("PayeeINN", payee.inn),
        ("KPP", payee.kpp),
        ("Sum", str(order.sum_kop) if order.sum_kop > 0 else ""),
        ("Purpose", order.purpose),
        ("PersAcc", order.account_number),
        ("PaymPeriod", month + year),
        ("LastName", order.last_name),
    ]
    parts = [HEADER]
    for name, value in fields:
        value = clean(value)[: LONGEST.get(name)]
        if value:
            parts.append(f"{name}={value}")
    return SEPARATOR.join(parts)


def qr_modules(text: str) -> list[bytes]:
    """The code's modules row by row, without the quiet zone: 0 for a dark module, 255 for a light one.

    The text goes in as UTF-8 bytes with no ECI marker, as ST00012 promises and bank apps expect; level M
    survives a crease or a smudge on a printed bill.
    """
    image = zxingcpp.create_barcode(text.encode("utf-8"), zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(
        scale=1, add_quiet_zones=False
    )
    size = image.shape[1]
    modules = bytes(memoryview(image))
    return [modules[row : row + size] for row in range(0, len(modules), size)]


def qr_svg(text: str) -> str:
    """The code as an SVG image for a screen: one square path per dark module, inside the standard quiet zone of 4."""
    rows = qr_modules(text)
    quiet = 4
    size = len(rows) + 2 * quiet
    squares = "".join(
        f"M{x + quiet},{y + quiet}h1v1h-1z" for y, row in enumerate(rows) for x, module in enumerate(row) if module == 0
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{squares}" fill="#000"/></svg>'
    )
