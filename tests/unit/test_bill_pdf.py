"""The bill PDF: its text holds the figures, Cyrillic is embedded, and its QR code decodes to the payment text."""

import pytest

from lk_app.billing.bill_pdf import Bill, ChargeLine, Issuer, bill_filename, bill_pdf, payment_order, period_title
from lk_app.billing.payment_qr import Payee, payment_text
from lk_app.billing.pdf import REPERTOIRE, FontMissing, Page, embedded_font
from lk_app.settings import get_settings
from tests.pdf_reading import pdf_pages, pdf_qr_codes, pdf_text

PAYEE = Payee(name="АО «ЭнергоСбыт Демо»", account="40702810500000004217", bank="ПАО «Демобанк»", bic="044525999",
              corr_account="30101810600000000999", inn="4401001231", kpp="440101001")
ISSUER = Issuer(PAYEE, "8 800 100-00-00", "пн–пт 8:00–20:00", "https://lk.example.ru")


@pytest.fixture(scope="module")
def font():
    """The bill font as the app embeds it."""
    return embedded_font(get_settings().bill_font)


def _bill(**changes) -> Bill:
    fields = dict(account_number="440100012345", surname="Ёлкина", first_name="Анна", patronymic="Петровна",
                  address="г. Кострома, ул. Ленина, д. 1, кв. 2", period="2026-10",
                  charges=(ChargeLine("", 190.0, 650, 123500),), opening_debt_kop=50000, paid_kop=20000)
    fields.update(changes)
    return Bill(**fields)


def test_the_figures_add_up():
    bill = _bill(charges=(ChargeLine("день", 150.0, 650, 97500), ChargeLine("ночь", 40.5, 320, 12960)))
    assert (bill.kwh, bill.charged_kop) == (190.5, 110460)
    assert bill.total_kop == 50000 - 20000 + 110460
    assert _bill(opening_debt_kop=-500000).total_kop == 0  # an overpayment covers the month
    assert bill.payer == "Ёлкина Анна Петровна"
    assert period_title("2026-01") == "январь 2026 г." and bill_filename(bill) == "epd-440100012345-2026-10.pdf"


def test_the_text_holds_payer_payee_and_every_number(font):
    text = pdf_text(bill_pdf(_bill(), ISSUER, font))
    for expected in (
        "Единый платёжный документ", "за октябрь 2026 г.",
        "Ёлкина Анна Петровна", "г. Кострома, ул. Ленина, д. 1, кв. 2", "440100012345",
        "АО «ЭнергоСбыт Демо»", "4401001231 / 440101001", "40702810500000004217", "ПАО «Демобанк»", "044525999",
        "30101810600000000999",
        "190",  # kWh
        "1 235,00",  # charged
        "Задолженность на 01.10.2026 500,00 ₽",
        "Оплачено в октябре 2026 г. 200,00 ₽",
        "Итого к оплате 1 535,00 ₽",
        "8 800 100-00-00", "https://lk.example.ru",
    ):
        assert expected in text, expected


def test_an_overpayment_is_named_so(font):
    text = pdf_text(bill_pdf(_bill(opening_debt_kop=-250000, paid_kop=0), ISSUER, font))
    assert "Переплата на 01.10.2026 2 500,00 ₽" in text
    assert "Итого к оплате 0,00 ₽" in text


def test_zones_are_listed_each_with_kwh_tariff_and_amount(font):
    bill = _bill(charges=(ChargeLine("день", 150.0, 650, 97500), ChargeLine("ночь", 40.5, 320, 12960)))
    text = pdf_text(bill_pdf(bill, ISSUER, font))
    assert "Электроэнергия, зона «день» 150 6,50 975,00" in text
    assert "Электроэнергия, зона «ночь» 40,5 3,20 129,60" in text
    assert "Итого за месяц 190,5 1 104,60" in text


def test_the_qr_code_on_the_rendered_page_decodes_to_the_payment_text(font):
    bill = _bill()
    [code] = pdf_qr_codes(bill_pdf(bill, ISSUER, font))
    expected = payment_text(payment_order(bill, PAYEE))
    assert code.bytes.decode("utf-8") == expected
    assert "|Sum=153500|" in expected and "|PersAcc=440100012345|" in expected and "|PaymPeriod=102026|" in expected
    assert code.symbology_identifier == "]Q1"


def test_a_long_address_wraps_and_keeps_every_word(font):
    address = "Костромская обл., г. Кострома, мкр. Паново, ул. Северной Правды, д. 120, корп. 3, кв. 180, подъезд 4"
    data = bill_pdf(_bill(address=address), ISSUER, font)
    assert " ".join(pdf_text(data).split()).count(address) == 1
    assert pdf_pages(data) == 1
    assert len(pdf_qr_codes(data)) == 1


def test_every_cyrillic_letter_has_a_glyph_and_others_fall_back(font):
    letters = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюяӘәӨөҮүҖҗҢңҺһ№₽«»—"
    assert all(ord(letter) in font.glyph_ids and font.glyph_ids[ord(letter)] != 0 for letter in letters)
    assert {ord(letter) for letter in letters} <= REPERTOIRE
    page = Page(font)
    assert page.font.encode("李") == page.font.encode("?")
    assert page.font.width("Ш", 10) > page.font.width("i", 10) > 0


def test_the_font_is_embedded_in_the_file(font):
    data = bill_pdf(_bill(), ISSUER, font)
    assert data.startswith(b"%PDF-1.7") and data.rstrip().endswith(b"%%EOF")
    assert b"/FontFile2" in data and b"/ToUnicode" in data and b"+DejaVuSans" in data
    assert 15_000 < len(data) < 60_000  # the cut-down font, not the whole 700 KB


def test_wrap_breaks_at_spaces_and_cuts_a_word_wider_than_the_line(font):
    page = Page(font)
    assert page.wrap("раз два три", 10, 1000) == ["раз два три"]
    lines = page.wrap("раз " + "ш" * 40, 10, 60)
    assert lines[0] == "раз" and "".join(lines[1:]) == "ш" * 40
    assert all(page.font.width(line, 10) <= 60 for line in lines)


def test_a_missing_font_says_how_to_install_it(tmp_path):
    with pytest.raises(FontMissing, match="fonts-dejavu-core"):
        embedded_font(str(tmp_path / "nowhere.ttf"))
