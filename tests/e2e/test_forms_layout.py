"""The forms as a customer sees them: whole option names, fields in order, refusals in red, phones on one line."""

import re

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import update

from lk_app import db
from lk_app.models import LkUser
from lk_app.normal_forms import display_phone
from lk_app.texts.access import PHONE_EXAMPLE, phone_in_text
from tests.e2e.helpers import (
    PASSWORD,
    e164,
    fill_registration,
    load_customer,
    log_in,
    new_phone,
    prove,
    registered_customer,
)

OPTIONS = ("Подтверждение по e-mail", "Подтверждение по СМС")
PHONE = 320
EXAMPLE = display_phone("+79123456789")  # «+7 912 345-67-89»

# Every element from the option down to its text: none clips what it holds (overflow or an ellipsis), and each
# piece of text lies inside the option's box and inside the viewport.
_CLIPPED = """option => {
    const problems = [];
    const box = option.getBoundingClientRect();
    for (const element of [option, ...option.querySelectorAll('*')]) {
        const style = getComputedStyle(element);
        if (element.scrollWidth > element.clientWidth + 1 && style.overflowX !== 'visible') {
            problems.push(`${element.tagName} overflows: ${element.scrollWidth} > ${element.clientWidth}`);
        }
        if (style.textOverflow === 'ellipsis' && element.scrollWidth > element.clientWidth) {
            problems.push(`${element.tagName} is cut with an ellipsis`);
        }
    }
    const walker = document.createTreeWalker(option, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(walker.currentNode);
        for (const rect of range.getClientRects()) {
            if (rect.left < box.left - 1 || rect.right > box.right + 1) problems.push('text outside the option');
            if (rect.left < 0 || rect.right > window.innerWidth) problems.push('text outside the viewport');
        }
    }
    if (box.left < 0 || box.right > window.innerWidth) problems.push('option outside the viewport');
    return problems;
}"""

# How many lines the number takes in the element's text (0 when the text does not hold it).
_LINES_OF_NUMBER = """(element, number) => {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    let text = '';
    const nodes = [];
    while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
    const at = text.indexOf(number);
    if (at < 0) return 0;
    const place = offset => {
        const [node, start] = nodes.filter(([, start]) => start <= offset).pop();
        return [node, offset - start];
    };
    const range = document.createRange();
    range.setStart(...place(at));
    range.setEnd(...place(at + number.length));
    const tops = new Set([...range.getClientRects()].filter(rect => rect.width > 0).map(rect => Math.round(rect.top)));
    return tops.size;
}"""

# The colour a refused field is framed in: the control's own border or outline, or its box's inset shadow.
_FRAME = """element => {
    const own = getComputedStyle(element);
    const box = getComputedStyle(element.parentElement);
    return [own.outlineStyle !== 'none' ? own.outlineColor : '', box.boxShadow, own.borderColor].join(' | ');
}"""


def _reddish(colours: str) -> bool:
    """Whether one of the colours in a computed style is a clear red."""
    for red, green, blue in re.findall(r"rgba?\((\d+), (\d+), (\d+)", colours):
        if int(red) > 150 and int(red) > int(green) + 60 and int(red) > int(blue) + 60:
            return True
    return False


def _top(locator: Locator) -> float:
    return locator.bounding_box()["y"]


def _bottom(locator: Locator) -> float:
    box = locator.bounding_box()
    return box["y"] + box["height"]


def _step_two(page: Page):
    customer = load_customer()
    prove(page, customer.number, customer.surname)
    expect(page.get_by_label("Новый пароль")).to_be_visible()
    return customer


def test_each_confirmation_option_reads_whole_and_the_sms_one_opens_its_panel(page: Page):
    _step_two(page)
    group = page.get_by_role("radiogroup", name="Способ подтверждения")
    expect(group).to_be_visible()
    for width in (page.viewport_size["width"], PHONE):
        page.set_viewport_size({"width": width, "height": 700})
        for name in OPTIONS:
            option = group.get_by_role("radio", name=name)
            expect(option).to_have_text(name)
            assert option.evaluate(_CLIPPED) == [], (width, name)
    expect(group.get_by_role("radio", name=OPTIONS[0])).to_be_checked()
    page.get_by_role("radio", name="Подтверждение по СМС").click()
    expect(page.get_by_role("radio", name="Подтверждение по СМС")).to_be_checked()
    expect(page.get_by_label("Телефон")).to_be_visible()
    expect(page.get_by_role("button", name="Отправить СМС")).to_be_visible()
    expect(page.get_by_label("Код подтверждения")).to_be_visible()


def test_the_choice_is_made_with_the_keyboard(page: Page):
    _step_two(page)
    page.get_by_role("radio", name=OPTIONS[0]).focus()
    # Held down as a person holds a key: the group moves the focus after the key goes down, and checks what it
    # moved to only while an arrow key is down.
    page.keyboard.down("ArrowDown")
    expect(page.get_by_role("radio", name=OPTIONS[1])).to_be_focused()
    page.keyboard.up("ArrowDown")
    expect(page.get_by_role("radio", name=OPTIONS[1])).to_be_checked()
    expect(page.get_by_role("button", name="Отправить СМС")).to_be_visible()


def test_step_two_asks_the_surname_once_and_puts_the_choice_under_the_e_mail_and_consent_last(page: Page):
    customer = _step_two(page)
    surname = page.get_by_label("Фамилия")
    expect(surname).to_have_count(1)
    expect(surname).to_have_value(customer.surname)
    expect(surname).not_to_be_editable()
    expect(page.get_by_text(customer.number)).to_be_visible()

    form = page.locator("form")
    email, choice = page.get_by_label("E-mail"), page.get_by_role("radiogroup", name="Способ подтверждения")
    consent = page.get_by_label("Согласен на обработку персональных данных")
    save = page.get_by_role("button", name="Сохранить")
    assert _bottom(email) <= _top(choice) and _bottom(choice) <= _top(consent) <= _top(save)
    # Nothing to fill or press stands between the consent and «Сохранить».
    others = form.locator("input:not([type=hidden]), textarea, button, [role=radio]")
    for index in range(others.count()):
        control = others.nth(index)
        if control.is_visible() and control.get_attribute("id") != "consent" and control.inner_text() != "Сохранить":
            assert _bottom(control) <= _top(consent) + 1, control.evaluate("e => e.outerHTML.slice(0, 120)")


def test_change_goes_back_to_step_one_and_keeps_what_was_typed(page: Page):
    customer = _step_two(page)
    page.get_by_label("E-mail").fill(customer.email)
    page.get_by_role("button", name="Изменить").click()
    expect(page.get_by_label("Номер лицевого счёта")).to_have_value(customer.number)
    expect(page.get_by_label("Фамилия")).to_have_value(customer.surname)
    expect(page.get_by_label("Фамилия")).to_be_editable()
    page.get_by_role("button", name="Продолжить").click()
    expect(page.get_by_label("E-mail")).to_have_value(customer.email)


def test_a_refused_field_is_framed_in_red_and_marked_invalid(page: Page):
    customer = _step_two(page)
    fill_registration(page, customer, email="anna@@example", consent=False)
    expect(page.locator("#email-error")).to_be_visible()
    email, valid = page.get_by_label("E-mail"), page.get_by_label("Подтверждение пароля")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(valid).to_have_attribute("aria-invalid", "false")
    refused_frame, valid_frame = email.evaluate(_FRAME), valid.evaluate(_FRAME)
    assert refused_frame != valid_frame and _reddish(refused_frame) and not _reddish(valid_frame), (refused_frame, valid_frame)
    consent = page.get_by_label("Согласен на обработку персональных данных")
    expect(consent).to_have_attribute("aria-invalid", "true")
    assert _reddish(consent.evaluate(_FRAME))


def test_a_refused_text_area_is_framed_in_red(page: Page):
    page.goto("/feedback")
    page.get_by_role("button", name="Отправить").click()
    message = page.get_by_label("Сообщение")
    expect(message).to_have_attribute("aria-invalid", "true")
    assert _reddish(message.evaluate(_FRAME))


def test_phones_read_in_groups_on_one_line(page: Page, lk):
    page.set_viewport_size({"width": PHONE, "height": 700})
    _step_two(page)
    hint = page.get_by_text(re.compile("^Необязательно. Мобильный номер России"))
    expect(hint).to_contain_text(PHONE_EXAMPLE)
    assert hint.evaluate(_LINES_OF_NUMBER, PHONE_EXAMPLE) == 1

    phone = new_phone()
    page.get_by_role("radio", name="Подтверждение по СМС").click()
    page.get_by_label("Телефон").fill(phone)
    page.get_by_role("button", name="Отправить СМС").click()
    shown = phone_in_text(e164(phone))
    notice = page.get_by_role("status").filter(has_text="Код отправлен")
    expect(notice).to_contain_text(f"Код отправлен на {shown}.")
    assert notice.evaluate(_LINES_OF_NUMBER, shown) == 1
    lk.smsaero.wait_for_sms(e164(phone), timeout=20)


def test_the_settings_show_the_phone_in_groups_on_one_line(page: Page, lk):
    customer = registered_customer(page, lk)
    db.run(lambda session: session.exec(update(LkUser).where(LkUser.login == customer.number).values(phone="+79123456789")))
    page.set_viewport_size({"width": PHONE, "height": 700})
    log_in(page, customer.number)
    page.get_by_role("link", name="Настройки").click()
    row = page.get_by_text(EXAMPLE, exact=True)
    expect(row).to_be_visible()
    assert row.evaluate(_LINES_OF_NUMBER, EXAMPLE) == 1


def _links_to_login(page: Page) -> Locator:
    return page.get_by_role("link", name=re.compile("Вход в Личный кабинет"))


def test_link_sent_after_first_login_has_one_link_to_the_login_page(page: Page):
    customer = _step_two(page)
    fill_registration(page, customer)
    expect(page.get_by_text("Ссылка для подтверждения отправлена")).to_be_visible()
    expect(_links_to_login(page)).to_have_count(1)


def test_link_sent_after_forgot_has_one_link_to_the_login_page(page: Page):
    page.goto("/forgot")
    page.get_by_label("Логин или номер лицевого счёта").fill("nobody.here")
    page.get_by_role("button", name="Восстановить").click()
    expect(page.get_by_text("отправлена ссылка для смены пароля")).to_be_visible()
    expect(_links_to_login(page)).to_have_count(1)


def test_link_sent_after_registration_by_login_has_one_link_to_the_login_page(page: Page, lk):
    phone = new_phone()
    login = f"sent.{e164(phone)[-6:]}"
    page.goto("/register")
    page.get_by_label("Логин", exact=True).fill(login)
    page.get_by_label("Пароль", exact=True).fill(PASSWORD)
    page.get_by_label("Подтверждение пароля").fill(PASSWORD)
    page.get_by_label("Адрес e-mail").fill(f"{login}@example.ru")
    page.get_by_label("Телефон").fill(phone)
    page.get_by_role("button", name="Получить код").click()
    lk.smsaero.wait_for_sms(e164(phone), timeout=20)
    page.get_by_label("Код подтверждения").fill(lk.smsaero.codes_for(e164(phone))[-1])
    page.get_by_label("Согласен на обработку персональных данных").check()
    page.get_by_role("button", name="Регистрация").click()
    expect(page.get_by_text("Ссылка для подтверждения отправлена")).to_be_visible()
    expect(_links_to_login(page)).to_have_count(1)
