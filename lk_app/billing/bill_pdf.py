"""The bill of one account and month (the unified payment document) as a one-page PDF with its payment QR code."""

from dataclasses import dataclass
from datetime import date

from lk_app.billing.payment_qr import Payee, PaymentOrder, payment_text, qr_modules
from lk_app.billing.pdf import PAGE_WIDTH, EmbeddedFont, Page
from lk_app.billing.values import rubles

TITLE = "Единый платёжный документ"
MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь",
          "декабрь")
MONTHS_IN = ("январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе", "сентябре", "октябре", "ноябре",
             "декабре")
LEFT, RIGHT = 40.0, PAGE_WIDTH - 40.0
VALUE_X = 170.0  # where values start after their labels
QR_SIZE = 132.0


@dataclass(frozen=True)
class ChargeLine:
    """What one tariff zone cost in the month."""

    zone: str
    kwh: float
    tariff_kop: int | None
    amount_kop: int


@dataclass(frozen=True)
class Bill:
    """The figures of one account's bill for one month."""

    account_number: str
    surname: str
    first_name: str
    patronymic: str
    address: str
    period: str  # YYYY-MM
    charges: tuple[ChargeLine, ...]
    opening_debt_kop: int  # owed when the month began; negative when paid in advance
    paid_kop: int  # received during the month

    @property
    def payer(self) -> str:
        """The holder's full name."""
        return " ".join(part for part in (self.surname, self.first_name, self.patronymic) if part)

    @property
    def kwh(self) -> float:
        """The month's consumption over all zones."""
        return sum(line.kwh for line in self.charges)

    @property
    def charged_kop(self) -> int:
        """The month's charges over all zones."""
        return sum(line.amount_kop for line in self.charges)

    @property
    def total_kop(self) -> int:
        """What to pay now: the debt, less what came in during the month, plus the month; never below nothing."""
        return max(0, self.opening_debt_kop - self.paid_kop + self.charged_kop)


@dataclass(frozen=True)
class Issuer:
    """Who issues the bill: the payee in the QR code, and where customers reach the supplier."""

    payee: Payee
    contact_phone: str
    contact_hours: str
    lk_url: str


def period_title(period: str) -> str:
    """A billing month as the bill prints it: the month's name, the year and the abbreviation of "year"."""
    return f"{MONTHS[int(period[5:]) - 1]} {period[:4]} г."


def bill_filename(bill: Bill) -> str:
    """The file name of the bill, the same in the e-mail and the download (ASCII, so every client keeps it)."""
    return f"epd-{bill.account_number}-{bill.period}.pdf"


def payment_order(bill: Bill, payee: Payee) -> PaymentOrder:
    """The payment the bill's QR code asks for."""
    year, month = bill.period.split("-")
    return PaymentOrder(
        payee=payee,
        sum_kop=bill.total_kop,
        purpose=f"Оплата электроэнергии за {month}.{year}",
        account_number=bill.account_number,
        period=bill.period,
        last_name=bill.surname,
    )


def amount_due_order(payee: Payee, *, account_number: str, sum_kop: int, period: str, surname: str) -> PaymentOrder:
    """The payment the cabinet's QR code asks for: what is due on the account now, not one month's bill."""
    return PaymentOrder(payee=payee, sum_kop=sum_kop, purpose=f"Оплата электроэнергии по л/с {account_number}",
                        account_number=account_number, period=period, last_name=surname)


def _kwh(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".").replace(",", "\u00a0").replace(".", ",")


def _amount(kopecks: int) -> str:
    return rubles(kopecks).removesuffix("\u00a0₽")


def bill_pdf(bill: Bill, issuer: Issuer, font: EmbeddedFont) -> bytes:
    """Lay the bill out on an A4 page: payer, payee, the month's charges, the balance, the total and the QR code."""
    page = Page(font)
    payee = issuer.payee
    page.text(LEFT, 48, payee.name, 12, bold=True)
    page.text(RIGHT, 40, "Лицевой счёт", 8, gray=0.4, align="right")
    page.text(RIGHT, 56, bill.account_number, 14, bold=True, align="right")
    page.text(LEFT, 86, TITLE, 18, bold=True)
    page.text(LEFT, 104, f"за {period_title(bill.period)}", 12)
    page.line(LEFT, 116, RIGHT, 116)

    y = _rows(page, 136, "Плательщик", [
        ("ФИО", bill.payer),
        ("Адрес", bill.address),
        ("Лицевой счёт", bill.account_number),
        ("Расчётный период", period_title(bill.period)),
    ])
    y = _rows(page, y + 10, "Получатель платежа", [
        ("Наименование", payee.name),
        ("ИНН / КПП", f"{payee.inn} / {payee.kpp}"),
        ("Расчётный счёт", payee.account),
        ("Банк", payee.bank),
        ("БИК", payee.bic),
        ("Корр. счёт", payee.corr_account),
    ])
    y = _charges(page, y + 14, bill)
    _summary(page, y + 30, bill, payment_text(payment_order(bill, payee)))

    page.line(LEFT, 770, RIGHT, 770)
    page.text(LEFT, 788, f"Контакт-центр: {issuer.contact_phone} ({issuer.contact_hours})", 8.5, gray=0.35)
    page.text(LEFT, 802, f"Личный кабинет: {issuer.lk_url}", 8.5, gray=0.35)
    return page.pdf(f"{TITLE} за {period_title(bill.period)}, лицевой счёт {bill.account_number}")


def _rows(page: Page, y: float, heading: str, rows: list[tuple[str, str]]) -> float:
    """A headed block of label–value rows; long values wrap. Returns the y below it."""
    page.text(LEFT, y, heading, 11, bold=True)
    y += 17
    for label, value in rows:
        page.text(LEFT, y, label, 8.5, gray=0.4)
        for line in page.wrap(value, 10, RIGHT - VALUE_X) or [""]:
            page.text(VALUE_X, y, line, 10)
            y += 13.5
    return y


def _charges(page: Page, y: float, bill: Bill) -> float:
    """The table of the month's charges by zone. Returns the y below it."""
    columns = (360.0, 450.0, RIGHT)  # right edges of the number columns
    page.text(LEFT, y, "Начисления", 11, bold=True)
    y += 8
    page.box(LEFT, y, RIGHT - LEFT, 18, gray=0.92)
    page.text(LEFT + 4, y + 12.5, "Услуга", 8.5)
    for text, x in zip(("Объём, кВт·ч", "Тариф, ₽/кВт·ч", "Начислено, ₽"), columns):
        page.text(x - 4, y + 12.5, text, 8.5, align="right")
    y += 18
    for line in bill.charges:
        y += 14
        service = "Электроэнергия" + (f", зона «{line.zone}»" if line.zone else "")
        tariff = _amount(line.tariff_kop) if line.tariff_kop is not None else "—"
        page.text(LEFT + 4, y, service, 10)
        for text, x in zip((_kwh(line.kwh), tariff, _amount(line.amount_kop)), columns):
            page.text(x - 4, y, text, 10, align="right")
    y += 8
    page.line(LEFT, y, RIGHT, y)
    y += 14
    page.text(LEFT + 4, y, "Итого за месяц", 10, bold=True)
    page.text(columns[0] - 4, y, _kwh(bill.kwh), 10, bold=True, align="right")
    page.text(columns[2] - 4, y, _amount(bill.charged_kop), 10, bold=True, align="right")
    return y


def _summary(page: Page, y: float, bill: Bill, qr_text: str) -> None:
    """The balance, the total to pay and, beside them, the payment QR code."""
    year, month = int(bill.period[:4]), int(bill.period[5:])
    start = date(year, month, 1).strftime("%d.%m.%Y")
    debt = bill.opening_debt_kop
    balance_label = f"Переплата на {start}" if debt < 0 else f"Задолженность на {start}"
    rows = [
        (balance_label, rubles(abs(debt))),
        (f"Оплачено в {MONTHS_IN[month - 1]} {year} г.", rubles(bill.paid_kop)),
        (f"Начислено за {period_title(bill.period)}", rubles(bill.charged_kop)),
    ]
    page.text(LEFT, y, "К оплате", 11, bold=True)
    row_y = y + 18
    for label, value in rows:
        page.text(LEFT, row_y, label, 10)
        page.text(360 - 4, row_y, value, 10, align="right")
        row_y += 15
    page.box(LEFT, row_y - 4, 360 - LEFT, 28, gray=0.92)
    page.text(LEFT + 6, row_y + 14, "Итого к оплате", 13, bold=True)
    page.text(360 - 10, row_y + 14, rubles(bill.total_kop), 13, bold=True, align="right")

    qr_x = RIGHT - QR_SIZE
    page.modules(qr_x, y - 10, QR_SIZE, qr_modules(qr_text))
    page.text(qr_x + QR_SIZE / 2, y + QR_SIZE + 4, "Оплатите по QR-коду", 8.5, gray=0.35, align="center")
    page.text(qr_x + QR_SIZE / 2, y + QR_SIZE + 15, "в приложении банка", 8.5, gray=0.35, align="center")
