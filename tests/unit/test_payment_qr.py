"""The payment QR text of ГОСТ Р 56042-2014: its fields and their order, kopecks, and values that cannot break it."""

import re

import pytest
import zxingcpp

from lk_app.billing.payment_qr import Payee, PaymentOrder, clean, payment_text, qr_modules, qr_svg
from lk_app.clock import now
from lk_app.services.bills import issuer_of
from lk_app.services.history import payment_qr_svg
from lk_app.settings import get_settings
from tests.unit.factories import billing_account, link, lk_user

PAYEE = Payee(name="АО «ЭнергоСбыт Демо»", account="40702810500000004217", bank="ПАО «Демобанк»", bic="044525999",
              corr_account="30101810600000000999", inn="4401001231", kpp="440101001")


def _order(**changes) -> PaymentOrder:
    fields = dict(payee=PAYEE, sum_kop=123456, purpose="Оплата электроэнергии за 10.2026",
                  account_number="440100012345", period="2026-10", last_name="Ёлкина")
    fields.update(changes)
    return PaymentOrder(**fields)


def _fields(text: str) -> dict[str, str]:
    header, *fields = text.split("|")
    assert header == "ST00012"
    return dict(field.split("=", 1) for field in fields)


def test_the_text_has_every_field_in_the_standards_order():
    assert payment_text(_order()) == (
        "ST00012|Name=АО «ЭнергоСбыт Демо»|PersonalAcc=40702810500000004217|BankName=ПАО «Демобанк»|BIC=044525999"
        "|CorrespAcc=30101810600000000999|PayeeINN=4401001231|KPP=440101001|Sum=123456"
        "|Purpose=Оплата электроэнергии за 10.2026|PersAcc=440100012345|PaymPeriod=102026|LastName=Ёлкина"
    )


@pytest.mark.parametrize(("kopecks", "written"), [(1, "1"), (100, "100"), (123456, "123456"), (10**11, "100000000000")])
def test_the_sum_is_whole_kopecks(kopecks, written):
    assert _fields(payment_text(_order(sum_kop=kopecks)))["Sum"] == written


def test_nothing_to_pay_leaves_the_sum_to_the_customer():
    for kopecks in (0, -5000):
        assert "Sum" not in _fields(payment_text(_order(sum_kop=kopecks)))


def test_a_separator_or_line_break_in_a_value_cannot_split_a_field():
    payee = Payee(**{**PAYEE.__dict__, "name": "ООО «Свет|Тепло»\r\nфилиал"})
    text = payment_text(_order(payee=payee, last_name="Иванова|Петрова", purpose="  за\tоктябрь  "))
    fields = _fields(text)
    assert fields["Name"] == "ООО «Свет/Тепло» филиал"
    assert fields["LastName"] == "Иванова/Петрова"
    assert fields["Purpose"] == "за октябрь"
    assert text.count("|") == 12 and "\n" not in text and "\r" not in text
    assert clean(" a | b ") == "a / b"


def test_overlong_values_are_cut_to_the_standards_lengths():
    payee = Payee(**{**PAYEE.__dict__, "bank": "Б" * 60, "name": "Н" * 200})
    fields = _fields(payment_text(_order(payee=payee, purpose="П" * 300)))
    assert (len(fields["BankName"]), len(fields["Name"]), len(fields["Purpose"])) == (45, 160, 210)


def test_an_empty_surname_is_left_out():
    assert "LastName" not in _fields(payment_text(_order(last_name=" ")))


def test_the_modules_decode_back_to_the_utf8_text_without_an_eci_marker():
    text = payment_text(_order())
    rows = qr_modules(text)
    assert len(rows) == len(rows[0]) and set(b"".join(rows)) == {0, 255}
    quiet, scale = 4, 4  # a scanner needs the quiet zone that the PDF's white page gives
    size = (len(rows) + 2 * quiet) * scale
    pixels = bytearray(b"\xff" * size * size)
    for r, row in enumerate(rows):
        line = b"".join(bytes([value]) * scale for value in row)
        for dy in range(scale):
            start = ((r + quiet) * scale + dy) * size + quiet * scale
            pixels[start : start + len(line)] = line
    image = bytes(pixels)  # the view does not keep its buffer alive
    [found] = zxingcpp.read_barcodes(zxingcpp.ImageView(image, size, size, zxingcpp.ImageFormat.Lum))
    assert found.bytes.decode("utf-8") == text
    assert found.symbology_identifier == "]Q1"  # model 2, no ECI: bank apps take the bytes as ST00012 says


def _modules_of_svg(svg: str) -> list[bytes]:
    """The dark squares of `qr_svg`'s path read back as rows of modules (0 dark, 255 light), quiet zone removed."""
    size = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1)) - 8
    dark = {(int(x) - 4, int(y) - 4) for x, y in re.findall(r"M(\d+),(\d+)h1v1h-1z", svg)}
    return [bytes(0 if (x, y) in dark else 255 for x in range(size)) for y in range(size)]


def test_the_screen_svg_holds_the_same_modules_as_the_printed_code():
    text = payment_text(_order())
    assert _modules_of_svg(qr_svg(text)) == qr_modules(text)


def test_the_cabinet_offers_the_code_of_the_amount_to_pay(session):
    account = billing_account(session)
    user = lk_user(session)
    link(session, user, account, primary=True)
    svg = payment_qr_svg(user.id, account.number, session=session)
    expected = payment_text(PaymentOrder(payee=_payee_from_settings(), sum_kop=0, purpose="Оплата электроэнергии по л/с 100200300",
                                         account_number="100200300", period=_this_period(), last_name="Ёлкина"))
    assert _modules_of_svg(svg) == qr_modules(expected)


def _payee_from_settings() -> Payee:
    return issuer_of(get_settings()).payee


def _this_period() -> str:
    return f"{now():%Y-%m}"
