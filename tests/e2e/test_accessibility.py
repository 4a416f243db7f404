"""WCAG 2.1 AA on every page and dialog: axe-core, announced field errors, reduced motion, 200 % zoom."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from lk_app import db
from lk_app.services.desk import create_operator
from lk_app.services.feedback import FeedbackForm, submit_feedback
from lk_app.texts.cabinet import HISTORY_CHART_LABEL, PAYMENT_QR_ALT
from tests.e2e.axe import axe_violations
from tests.e2e.conftest import PATIENCE_MS, ConsoleErrors, fail_on_console_errors
from tests.e2e.helpers import (
    PASSWORD,
    Customer,
    confirmation_link,
    confirmed_lk,
    fill_registration,
    load_customer,
    log_in,
    new_phone,
    prove,
)
from tests.e2e.test_cabinet import DAY, clock_on_day, load_history
from tests.e2e.test_old_portal import OLD_PASSWORD
from tests.e2e.test_old_portal import _import_old_lk as import_old_lk
from tests.fakes.sendgrid_server import links_in

pytestmark = pytest.mark.frontend_only

UNKNOWN = "/no-such-page"
# Chromium reports the document's own 404 on the console.
DOCUMENT_404 = rf"status of 404 \(Not Found\) \(.*{UNKNOWN}\)"

# Every message under a field (`components.forms`: id «<field>-error») is announced and describes a field marked
# invalid; every field marked invalid is described by an announced message. Returns the problems and how many fields
# are marked invalid.
_FIELD_ERRORS = """() => {
    const problems = [];
    const announced = element => element.closest('[role=alert], [role=status], [aria-live]');
    const describedBy = field => (field.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
    const fields = [...document.querySelectorAll('input, textarea, select')];
    for (const error of document.querySelectorAll('[id$="-error"]')) {
        if (!announced(error)) problems.push(`${error.id} is not announced`);
        const described = fields.filter(field => describedBy(field).includes(error.id));
        if (!described.length) problems.push(`${error.id} describes no field`);
        for (const field of described.filter(field => field.getAttribute('aria-invalid') !== 'true')) {
            problems.push(`#${field.id} is described by ${error.id} but not aria-invalid`);
        }
    }
    const invalid = fields.filter(field => field.getAttribute('aria-invalid') === 'true');
    for (const field of invalid) {
        const messages = describedBy(field).map(id => document.getElementById(id)).filter(Boolean);
        if (!messages.some(message => announced(message) && message.textContent.trim())) {
            problems.push(`#${field.id} is aria-invalid without an announced message in its aria-describedby`);
        }
    }
    return {problems, invalid: invalid.length};
}"""

# Every animation and transition on the page longer than 10 ms, by element; a spinner's leaf is added for the check
# (the pages show spinners only while they load, too briefly to catch), styled by the pages' own stylesheets.
_MOTION = """() => {
    const spinner = document.createElement('span');
    spinner.className = 'rt-Spinner rt-r-size-2';
    spinner.innerHTML = '<span class="rt-SpinnerLeaf"></span>';
    document.querySelector('.radix-themes').append(spinner);  // where Radix's tokens (its duration) apply
    const seconds = list => list.split(',').map(part => parseFloat(part) * (part.trim().endsWith('ms') ? 0.001 : 1));
    const problems = [];
    for (const element of document.querySelectorAll('*')) {
        const style = getComputedStyle(element);
        const animated = style.animationName !== 'none' && Math.max(...seconds(style.animationDuration)) > 0.01;
        const moving = Math.max(...seconds(style.transitionDuration)) > 0.01;
        if (animated || moving) {
            const name = element.tagName.toLowerCase() + (element.className && typeof element.className === 'string'
                ? '.' + element.className.trim().split(/\\s+/).join('.') : '');
            problems.push(`${name}: animation ${style.animationName} ${style.animationDuration}, `
                          + `transition ${style.transitionDuration}`);
        }
    }
    spinner.remove();
    return [...new Set(problems)];
}"""

# At 200 % zoom of a 1280-px window: no sideways scroll, no content cut by its box, no two controls or headings on top
# of each other (one inside the other, as a button in its link, is not an overlap).
_ZOOM_PROBLEMS = """width => {
    const problems = [];
    if (document.documentElement.scrollWidth > width) {
        problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
    }
    const shown = element => {
        const box = element.getBoundingClientRect();
        const style = getComputedStyle(element);
        return box.width > 1 && box.height > 1 && style.visibility !== 'hidden' && style.opacity !== '0'
            && !element.closest('[aria-hidden=true]');
    };
    const describe = element => element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
        + ` «${(element.innerText || element.getAttribute('aria-label') || '').trim().slice(0, 40)}»`;
    for (const element of document.body.querySelectorAll('*')) {
        if (['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName) || !shown(element)) continue;
        const style = getComputedStyle(element);
        const clipsX = ['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
        const clipsY = ['hidden', 'clip'].includes(style.overflowY);
        if ((clipsX && element.scrollWidth > element.clientWidth + 1)
            || (clipsY && element.scrollHeight > element.clientHeight + 1)) {
            problems.push(`${describe(element)} is cut: ${element.scrollWidth}×${element.scrollHeight} in `
                          + `${element.clientWidth}×${element.clientHeight}`);
        }
    }
    const controls = [...document.body.querySelectorAll(
        'a[href], button, input:not([type=hidden]), select, textarea, label, [role=tab], [role=radio], '
        + '[role=checkbox], [role=combobox], h1, h2, h3, h4')].filter(shown);
    for (let i = 0; i < controls.length; i++) {
        for (let j = i + 1; j < controls.length; j++) {
            const [one, other] = [controls[i], controls[j]];
            if (one.contains(other) || other.contains(one)) continue;
            const a = one.getBoundingClientRect(), b = other.getBoundingClientRect();
            const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (x > 1 && y > 1) problems.push(`${describe(one)} overlaps ${describe(other)}`);
        }
    }
    return problems;
}"""
ZOOMED = {"width": 640, "height": 400}  # the desktop's 1280 × 800 at 200 %


class Audit:
    """What the pages a test visits break, collected by page and state and asserted once at the end."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []

    def check(self, state: str, *, refused: bool = False) -> None:
        """axe-core's violations of the page as it is now, and its field errors: announced, tied to their fields
        (`refused`: it shows some)."""
        self.problems += axe_violations(self.page, state)
        result = self.page.evaluate(_FIELD_ERRORS)
        self.problems += [f"{state}: {problem}" for problem in result["problems"]]
        if refused and not result["invalid"]:
            self.problems.append(f"{state}: no field is marked aria-invalid")

    def dialog(self, opener: str, name: str, state: str, refusal: str) -> Locator:
        """Open the dialog `name` with the button `opener`, check it, send it empty and check it refused (`refusal`
        selects what shows the refusal); returns the dialog, still open."""
        self.page.get_by_role("button", name=opener).click()
        dialog = self.page.get_by_role("dialog", name=name)
        expect(dialog).to_be_visible()
        self.check(state)
        dialog.get_by_role("button", name="Отправить").click()
        expect(dialog.locator(refusal).first).to_be_visible()
        self.check(f"{state} refused", refused=True)
        return dialog

    def assert_clean(self) -> None:
        """Fail with every problem found, page by page."""
        assert not self.problems, f"{len(self.problems)} accessibility problems:\n" + "\n".join(self.problems)


@pytest.fixture(scope="module")
def customer(lk) -> Customer:
    """One confirmed LK for the module with a year of history, a two-zone meter and a second account (to remove)."""
    customer, second = load_customer(), load_customer(surname="Зимина")
    confirmed_lk(customer, second)
    with clock_on_day(20) as today:
        load_history(customer, today)
    return customer


def test_public_pages_and_their_errors(page: Page, lk, customer: Customer):
    audit = Audit(page)
    page.goto("/")
    expect(page.get_by_label("Логин или номер лицевого счёта")).to_be_enabled()
    assert page.evaluate("document.documentElement.lang") == "ru"
    audit.check("/")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check("/ refused", refused=True)

    audit.dialog("Обратная связь", "Обратная связь", "/ «Обратная связь»", "#consent-error")

    old_login = f"old.axe.{customer.number}.{page.viewport_size['width']}"
    import_old_lk(old_login)
    log_in(page, old_login, OLD_PASSWORD)
    popup = page.get_by_role("dialog", name="Укажите адрес электронной почты")
    expect(popup).to_be_visible()
    audit.check("/ «Укажите адрес электронной почты»")
    popup.get_by_label("E-mail").fill("not-an-address")
    popup.get_by_role("button", name="Сохранить").click()
    expect(popup.locator("#first_email-error")).to_be_visible()
    audit.check("/ «Укажите адрес электронной почты» refused", refused=True)

    page.goto("/register")
    expect(page.get_by_label("Логин", exact=True)).to_be_enabled()
    audit.check("/register")
    page.get_by_role("button", name="Регистрация").click()
    expect(page.locator("#consent-error")).to_be_visible()
    audit.check("/register refused", refused=True)

    page.goto("/feedback")
    expect(page.get_by_label("Имя")).to_be_enabled()
    audit.check("/feedback")

    page.goto("/forgot")
    page.get_by_label("Логин или номер лицевого счёта").fill(customer.number)
    audit.check("/forgot")
    page.get_by_label("по e-mail").check()
    mails = len(lk.sendgrid.mails_to(customer.email))  # the other viewport's run asked for a link too
    page.get_by_role("button", name="Восстановить").click()
    expect(page.get_by_text("отправлена ссылка для смены пароля")).to_be_visible()
    audit.check("/forgot sent")
    mail = lk.sendgrid.wait_for_mail(customer.email, count=mails + 1, timeout=20)
    page.goto(next(link for link in links_in(mail) if "/reset?token=" in link))
    page.get_by_label("Новый пароль").fill("short")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#password-error")).to_be_visible()
    audit.check("/reset refused", refused=True)  # not saved: the module's LK keeps its password
    page.goto("/reset?token=no-such-token")
    expect(page.get_by_text("Ссылка недействительна")).to_be_visible()
    audit.check("/reset bad link")

    page.goto("/confirm?token=no-such-token")
    expect(page.get_by_text("Ссылка недействительна")).to_be_visible()
    audit.check("/confirm bad link")
    page.goto("/privacy")
    expect(page.get_by_role("heading", name="Ваши права")).to_be_visible()
    audit.check("/privacy")
    audit.assert_clean()


def test_first_login_both_steps_both_choices_and_the_link(page: Page, lk):
    audit, customer = Audit(page), load_customer()
    page.goto("/first-login")
    expect(page.get_by_label("Номер лицевого счёта")).to_be_enabled()
    audit.check("/first-login step 1")
    page.get_by_role("button", name="Продолжить").click()
    expect(page.locator("#account_number-error")).to_be_visible()
    audit.check("/first-login step 1 refused", refused=True)

    prove(page, customer.number, customer.surname, open_page=False)
    expect(page.get_by_label("Новый пароль")).to_be_visible()
    audit.check("/first-login step 2 «Подтверждение по e-mail»")
    fill_registration(page, customer, password="short", consent=False)
    expect(page.locator("#password-error")).to_be_visible()
    audit.check("/first-login step 2 refused", refused=True)
    page.get_by_role("radio", name="Подтверждение по СМС").click()
    expect(page.get_by_role("button", name="Отправить СМС")).to_be_visible()
    audit.check("/first-login step 2 «Подтверждение по СМС»")
    page.get_by_role("button", name="Отправить СМС").click()
    expect(page.locator("#sms_phone-error")).to_be_visible()
    audit.check("/first-login step 2 «Подтверждение по СМС» refused", refused=True)
    page.get_by_label("Телефон").fill(new_phone())
    page.get_by_role("button", name="Отправить СМС").click()
    expect(page.get_by_text("Код отправлен")).to_be_visible()
    audit.check("/first-login step 2 «Подтверждение по СМС» code sent")

    page.get_by_role("radio", name="Подтверждение по e-mail").click()
    fill_registration(page, customer)
    expect(page.get_by_text(customer.email)).to_be_visible()
    audit.check("/first-login link sent")
    page.goto(confirmation_link(lk, customer))
    expect(page.get_by_role("button", name="Подтвердить")).to_be_visible()
    audit.check("/confirm")
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_text("Регистрация подтверждена")).to_be_visible()
    audit.check("/confirm confirmed")
    audit.assert_clean()


def test_cabinet_each_history_tab_and_the_readings_form(page: Page, customer: Customer):
    audit = Audit(page)
    with clock_on_day(20):
        log_in(page, customer.number)
        expect(page.get_by_label(DAY)).to_be_visible()
        chart = page.locator("#history-chart")
        expect(chart).to_have_attribute("data-points", "12")
        audit.check("/cabinet «Начисления»")
        # The chart's text equivalent is the list of months beside it.
        expect(page.get_by_role("img", name=HISTORY_CHART_LABEL)).to_have_attribute(
            "aria-describedby", "history-months")
        expect(page.get_by_role("img", name=PAYMENT_QR_ALT.format(number=customer.number))).to_be_visible()

        page.get_by_label(DAY).fill("990")
        page.get_by_role("button", name="Передать показания").click()
        expect(page.get_by_label(DAY)).to_have_attribute("aria-invalid", "true")
        audit.check("/cabinet readings refused", refused=True)
        for tab in ("Платежи", "Счета"):
            page.get_by_role("tab", name=tab).click()
            expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true")
            audit.check(f"/cabinet «{tab}»")

        page.locator("#pay-card").get_by_role("button", name="Оплатить").click()
        payment = page.get_by_role("dialog", name="Оплата")
        expect(payment.get_by_label("Сумма, ₽")).to_be_enabled()
        audit.check("/cabinet «Оплата»")
        payment.get_by_label("Сумма, ₽").fill("0")
        payment.get_by_role("button", name="Перейти к оплате").click()
        expect(payment.get_by_label("Сумма, ₽")).to_have_attribute("aria-invalid", "true")
        audit.check("/cabinet «Оплата» refused", refused=True)
        payment.get_by_role("button", name="Закрыть").click()
        expect(payment).to_be_hidden()
    audit.assert_clean()


def test_settings_with_each_dialog_open(page: Page, customer: Customer):
    audit = Audit(page)
    log_in(page, customer.number)
    expect(page).to_have_url(re.compile(r"/cabinet/?$"))
    page.get_by_role("link", name="Настройки").click()
    expect(page.get_by_role("button", name=re.compile("Удалить счёт"))).to_be_visible()
    audit.check("/settings")
    page.get_by_role("button", name="Сменить пароль").click()
    expect(page.locator("#current_password-error")).to_be_visible()
    audit.check("/settings «Смена пароля» refused", refused=True)

    dialog = audit.dialog("Добавить лицевой счёт", "Добавление лицевого счёта", "/settings «Добавить лицевой счёт»",
                          "[aria-invalid=true]")
    dialog.get_by_role("button", name="Закрыть").click()
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name=re.compile("Удалить счёт")).click()
    confirmation = page.get_by_role("alertdialog", name="Удаление счёта")
    expect(confirmation).to_be_visible()
    audit.check("/settings «Удаление счёта»")
    confirmation.get_by_role("button", name="Отмена").click()
    expect(confirmation).to_be_hidden()
    audit.assert_clean()


@pytest.mark.console_errors_expected(DOCUMENT_404)
def test_operator_console_and_the_404_page(page: Page, customer: Customer):
    audit = Audit(page)
    login = f"op.axe.{customer.number}.{page.viewport_size['width']}"
    assert db.run(create_operator, login, PASSWORD) is None
    ticket = db.run(submit_feedback, FeedbackForm("Ольга", "olga@example.ru", "", "Не пришёл счёт", True), ip="10.9.8.7")
    log_in(page, login)
    expect(page.get_by_role("heading", name="Операторская консоль")).to_be_visible()
    page.get_by_label("Номер счёта, логин, e-mail или телефон").fill(customer.number)
    page.get_by_role("button", name="Найти").click()
    page.get_by_role("button", name=f"Открыть ЛК {customer.number}").click()
    expect(page.get_by_role("heading", name=f"ЛК {customer.number}")).to_be_visible()
    audit.check("/operator «Личные кабинеты»")
    page.get_by_role("tab", name="Обращения").click()
    page.get_by_role("button", name=f"Обращение № {ticket.number}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Обращение № {ticket.number}")).to_be_visible()
    audit.check("/operator «Обращения»")
    page.get_by_role("tab", name="Журнал действий").click()
    expect(page.get_by_role("columnheader", name="Подробности")).to_be_visible()
    audit.check("/operator «Журнал действий»")

    page.goto(UNKNOWN)
    expect(page.get_by_role("heading", name="Страница не найдена")).to_be_visible()
    audit.check("404")
    audit.assert_clean()


def test_with_reduced_motion_nothing_moves(page: Page, customer: Customer):
    page.emulate_media(reduced_motion="reduce")
    problems = []
    page.goto("/")
    page.get_by_role("button", name="Обратная связь").click()
    expect(page.get_by_role("dialog", name="Обратная связь")).to_be_visible()
    problems += [f"/ «Обратная связь»: {problem}" for problem in page.evaluate(_MOTION)]
    page.keyboard.press("Escape")
    log_in(page, customer.number)
    page.get_by_role("tab", name="Платежи").click()
    problems += [f"/cabinet: {problem}" for problem in page.evaluate(_MOTION)]
    assert not problems, "animations and transitions despite prefers-reduced-motion:\n" + "\n".join(problems)


@pytest.fixture
def zoomed(request, browser: Browser, lk) -> Iterator[Page]:
    """The desktop screen at 200 % browser zoom: 640 × 400 CSS pixels; a console error fails the test, as with `page`."""
    context = browser.new_context(viewport=ZOOMED, device_scale_factor=2, locale="ru-RU", base_url=lk.url)
    context.set_default_timeout(PATIENCE_MS)
    errors = ConsoleErrors(context, [])
    yield context.new_page()
    context.close()
    fail_on_console_errors(errors)


def test_at_200_percent_zoom_nothing_is_cut_scrolls_sideways_or_overlaps(zoomed: Page, customer: Customer):
    page, problems = zoomed, []

    def check(state: str) -> None:
        problems.extend(f"{state}: {problem}" for problem in page.evaluate(_ZOOM_PROBLEMS, ZOOMED["width"]))

    page.goto("/")
    expect(page.get_by_label("Логин или номер лицевого счёта")).to_be_enabled()
    check("/")
    page.goto("/register")
    expect(page.get_by_label("Логин", exact=True)).to_be_enabled()
    check("/register")
    page.goto("/first-login")
    expect(page.get_by_label("Номер лицевого счёта")).to_be_enabled()
    check("/first-login step 1")
    second = load_customer()
    prove(page, second.number, second.surname, open_page=False)
    expect(page.get_by_label("Новый пароль")).to_be_visible()
    check("/first-login step 2")
    with clock_on_day(20):
        log_in(page, customer.number)
        expect(page.get_by_label(DAY)).to_be_visible()
        check("/cabinet")
    page.get_by_role("link", name="Настройки").click()
    expect(page.get_by_role("button", name=re.compile("Удалить счёт"))).to_be_visible()
    check("/settings")
    assert not problems, "at 200 % zoom:\n" + "\n".join(problems)
