"""What LK asks YooKassa for: a captured redirect payment of one account, with its 54-ФЗ receipt of one service."""

from dataclasses import dataclass

# The words of the payment and of its receipt's line, as the customer's bank statement and receipt show them.
DESCRIPTION = "Оплата электроэнергии, л/с {account}"
RECEIPT_ITEM = "Электроэнергия, л/с {account}"
BANK_CARD, SBP = "bank_card", "sbp"
METHODS = (BANK_CARD, SBP)


@dataclass(frozen=True)
class PaymentOrder:
    """One payment to ask for: the account, the amount, how to pay, where the receipt goes and where to come back."""

    account_number: str
    amount_kop: int
    method: str  # BANK_CARD or SBP
    receipt_email: str | None  # exactly one of the two
    receipt_phone: str | None  # +7XXXXXXXXXX
    return_url: str
    lk_payment: str  # LK's own id of the payment, for the shop's records at YooKassa


def amount_value(kopecks: int) -> str:
    """An amount as YooKassa takes it: rubles with a dot and two decimals, as a string."""
    return f"{kopecks // 100}.{kopecks % 100:02d}"


def payment_request(order: PaymentOrder, *, vat_code: int, tax_system_code: int | None) -> dict:
    """The body of `POST /v3/payments` for the order."""
    amount = {"value": amount_value(order.amount_kop), "currency": "RUB"}
    # YooKassa wants the phone in E.164 without the plus.
    customer = {"email": order.receipt_email} if order.receipt_email else {"phone": (order.receipt_phone or "").lstrip("+")}
    receipt = {
        "customer": customer,
        "items": [{
            "description": RECEIPT_ITEM.format(account=order.account_number),
            "quantity": "1.00",
            "amount": amount,
            "vat_code": vat_code,
            "payment_subject": "service",
            "payment_mode": "full_payment",
        }],
    }
    if tax_system_code is not None:
        receipt["tax_system_code"] = tax_system_code
    return {
        "amount": amount,
        "capture": True,
        "confirmation": {"type": "redirect", "return_url": order.return_url},
        "payment_method_data": {"type": order.method},
        "description": DESCRIPTION.format(account=order.account_number),
        "metadata": {"account_number": order.account_number, "lk_payment": order.lk_payment},
        "receipt": receipt,
    }
