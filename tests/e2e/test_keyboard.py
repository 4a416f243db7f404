"""The customer's journey with the keyboard alone: first login, confirmation, login, a second account, readings,
logout. Every control is reached by Tab in reading order with a focus ring that shows on the white page and on the
blue header; dialogs take the focus, keep it, close on Escape and give it back to the control that opened them."""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from lk_app.services.months import period_of
from lk_app.settings import get_settings
from lk_app.texts.cabinet import month_name_lower
from tests.e2e.helpers import (
    DAY,
    NIGHT,
    PASSWORD,
    Customer,
    clock_on_day,
    confirmation_link,
    load_customer,
    load_history,
)

pytestmark = pytest.mark.frontend_only

# WCAG 2.2's focus appearance (2.4.13) and non-text contrast (1.4.11): a ring 2 CSS px thick, 3:1 against its background.
RING_WIDTH, RING_CONTRAST = 2, 3.0
HELD_MS = 100  # how long a key is held down
SWITCHER = "Выбор лицевого счёта"
CONSENT = "Согласен на обработку персональных данных (политика)"

# The focused control's box in the page and its focus ring: where Radix draws it (on the control, on its ::before or
# ::after, on a tab's label, on a text field's box), how thick, and its colour and the colour behind it as the eye sees
# them (translucent layers composed down to the first opaque one).
FOCUS_PROBE = """() => {
  const control = document.activeElement;
  if (!control || control === document.body || control === document.documentElement) return null;
  const rgba = (text) => {
    const match = /rgba?\\(([^)]*)\\)/.exec(text);
    if (!match) return null;
    const parts = match[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [parts[0], parts[1], parts[2], parts[3] ?? 1];
  };
  const over = (top, under) => top.slice(0, 3).map((c, i) => c * top[3] + under[i] * (1 - top[3])).concat(1);
  const behind = (node) => {
    const layers = [];
    for (let n = node; n && layers.at(-1)?.[3] !== 1; n = n.parentElement) {
      const colour = rgba(getComputedStyle(n).backgroundColor);
      if (colour && colour[3] > 0) layers.push(colour);
    }
    return layers.reverse().reduce((under, layer) => over(layer, under), [255, 255, 255, 1]);
  };
  const field = control.closest('.rt-TextFieldRoot, .rt-TextAreaRoot');
  const places = [[control, null], [control, '::before'], [control, '::after'],
                  ...Array.from(control.children, (child) => [child, null]), ...(field ? [[field, null]] : [])];
  let ring = null;
  for (const [node, pseudo] of places) {
    const style = getComputedStyle(node, pseudo);
    const width = parseFloat(style.outlineWidth) || 0;
    if (style.outlineStyle === 'none' || width === 0) continue;
    // A ring outside the box shows against what is around it, one inside (or on a pseudo-element) against the box.
    const backdrop = behind(pseudo || parseFloat(style.outlineOffset) < 0 ? node : node.parentElement);
    const colour = rgba(style.outlineColor);
    ring = {width, css: style.outlineColor, colour: colour && over(colour, backdrop), backdrop};
    break;
  }
  const box = control.getBoundingClientRect();
  return {ring, box: [box.x, box.y, box.width, box.height], scroll: [scrollX, scrollY],
          viewport: [innerWidth, innerHeight], html: control.outerHTML.slice(0, 100)};
}"""

# Things that look clickable (the pointer cursor) but no key can reach: a div with on_click, a card without a role.
UNREACHABLE_CLICKABLES = """() => Array.from(document.querySelectorAll('body *')).filter((node) => {
  if (getComputedStyle(node).cursor !== 'pointer' || getComputedStyle(node.parentElement).cursor === 'pointer') return false;
  if (!node.getClientRects().length) return false;
  return !node.closest('a[href], button, input, select, textarea, summary, label, [tabindex]');
}).map((node) => node.outerHTML.slice(0, 100))"""

INSIDE_A_DIALOG = "() => !!document.activeElement?.closest('[role=dialog], [role=alertdialog]')"
TABBABLE = "a[href], button:not(:disabled), input:not([type=hidden]):not(:disabled), textarea, select, [tabindex='0']"


@dataclass(frozen=True)
class Stop:
    """Where a key left the focus: the control's role and accessible name, its box in the page (x, y, width, height)
    and what is wrong with its focus ring or its place on the screen ("" when nothing)."""

    role: str
    name: str
    box: tuple[float, float, float, float]
    problem: str


def _luminance(rgb) -> float:
    """WCAG's relative luminance of an sRGB colour (0–255 a channel)."""
    channels = [c / 255 for c in rgb[:3]]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one, other) -> float:
    """WCAG's contrast ratio of two sRGB colours."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _ring_problem(seen: dict) -> str:
    """What is wrong with the focus ring and the place of a control FOCUS_PROBE saw ("" when nothing)."""
    ring, (x, y, width, height), (view_width, view_height) = seen["ring"], seen["box"], seen["viewport"]
    problems = []
    if ring is None:
        problems.append("no focus ring")
    elif ring["width"] < RING_WIDTH:
        problems.append(f"a focus ring of {ring['width']} px")
    elif ring["colour"] is None:
        problems.append(f"a focus ring in {ring['css']}, a colour this test does not read")
    elif (ratio := contrast(ring["colour"], ring["backdrop"])) < RING_CONTRAST:
        problems.append(f"a focus ring of {ring['css']} on rgb{tuple(round(c) for c in ring['backdrop'][:3])}: "
                        f"contrast {ratio:.1f}:1")
    # The browser scrolls the focused control into view; one taller or wider than the screen needs only to show.
    inside = [0 <= low and high <= room for low, high, room in ((x, x + width, view_width), (y, y + height, view_height))]
    if not all(ok or size > room for ok, size, room in zip(inside, (width, height), (view_width, view_height))):
        problems.append(f"off the screen at ({x:.0f}, {y:.0f})")
    return "; ".join(problems)


def focused(page: Page) -> Stop | None:
    """The control the focus is on, or None when it is on the page itself (before the first or past the last)."""
    for _ in range(3):  # a control re-rendered between the two looks takes the focus with it: look again
        seen = page.evaluate(FOCUS_PROBE)
        if seen is None:
            return None
        try:
            # Playwright's accessibility snapshot names the control as screen readers and get_by_role do.
            snapshot = page.locator(":focus").aria_snapshot(timeout=2_000)
        except PlaywrightTimeout:
            continue
        x, y, width, height = seen["box"]
        box = (x + seen["scroll"][0], y + seen["scroll"][1], width, height)
        if not snapshot:
            return Stop("", seen["html"], box, "a Tab stop that screen readers do not see")
        role, name = re.match(r'- ([\w-]+)(?: "((?:[^"\\]|\\.)*)")?', snapshot.splitlines()[0]).groups()
        return Stop(role, (name or "").replace('\\"', '"'), box, _ring_problem(seen))
    raise AssertionError(f"{page.url}: the focus kept moving while the test looked at it")


def tab_to(page: Page, name_or_predicate: str | Callable[[Stop], bool], max_tabs: int = 40, *,
           backwards: bool = False) -> None:
    """Press Tab (Shift+Tab `backwards`) until the focus is on the control of that accessible name (or one the
    predicate accepts), unless it is there already. The rings on the way are checked by `page_problems`, which goes
    through every control of each page first."""
    wanted = name_or_predicate if callable(name_or_predicate) else lambda stop: stop.name == name_or_predicate
    passed = []
    stop = focused(page)
    while stop is None or not wanted(stop):
        assert len(passed) < max_tabs, (f"{page.url}: {name_or_predicate!r} not reached in {max_tabs} presses of "
                                        f"Tab; the focus went through {passed}")
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        stop = focused(page)
        passed.append(stop.name if stop else "(the page)")


def tab_cycle(page: Page) -> list[Stop]:
    """Every control of the page in the order Tab reaches them, from the first to the last; the focus is left before
    the first (the next Tab goes there)."""
    for _ in range(80):  # to the end of the page, wherever the focus was
        page.keyboard.press("Tab")
        if focused(page) is None:
            break
    stops = []
    for _ in range(80):
        page.keyboard.press("Tab")
        if (stop := focused(page)) is None:
            return stops
        stops.append(stop)
    raise AssertionError(f"{page.url}: Tab never reached the end of the page")


def reading_order(where: str, stops: list[Stop]) -> list[str]:
    """Steps of Tab that go back against the reading order: to a control above and not to the right of the last one,
    or to the left of it on the same line."""
    problems = []
    for last, this in zip(stops, stops[1:]):
        (lx, ly, lw, lh), (x, y, w, h) = last.box, this.box
        above, right, left = y + h <= ly + 1, x >= lx + lw - 1, x + w <= lx + 1
        same_line = not above and y < ly + lh - 1
        if (above and not right) or (same_line and left):
            problems.append(f"{where}: Tab goes back from «{last.name}» to «{this.name}»")
    return problems


def page_problems(where: str, page: Page, expected: list[str], *, exact: bool = True) -> list[str]:
    """The page's whole Tab cycle checked: the controls in `expected` order (all of them and nothing else when
    `exact`, else in that order among others), in reading order, each with a visible focus ring on the screen; and
    nothing clickable that Tab cannot reach."""
    stops = tab_cycle(page)
    names = [stop.name for stop in stops]
    problems = [f"{where}: «{stop.name}» has {stop.problem}" for stop in stops if stop.problem]
    problems += reading_order(where, stops)
    in_order = names == expected if exact else _in_order(expected, names)
    if not in_order:
        problems.append(f"{where}: Tab goes through {names}, expected {'' if exact else 'in it, in this order, '}"
                        f"{expected}")
    problems += [f"{where}: clickable but not reachable by Tab: {html}" for html in page.evaluate(UNREACHABLE_CLICKABLES)]
    return problems


def _in_order(wanted: list[str], names: list[str]) -> bool:
    """Whether `wanted` are all among `names`, in that order."""
    rest = iter(names)
    return all(name in rest for name in wanted)


def type_into(page: Page, name: str, text: str) -> None:
    """Tab to the field and type into it."""
    tab_to(page, name)
    page.keyboard.type(text)


def press_on(page: Page, name: str, key: str = "Enter", *, backwards: bool = False) -> None:
    """Tab to the control and press a key on it."""
    tab_to(page, name, backwards=backwards)
    page.keyboard.press(key)


def dialog_problems(where: str, page: Page, opener: str, dialog: Locator, expected: list[str]) -> list[str]:
    """Open the dialog with Enter on the focused `opener`: the focus moves into it; Tab goes round `expected` (its
    controls from the second on, then the first again) and neither Tab nor Shift+Tab leaves it; Escape closes it and
    the focus is back on the opener."""
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog.locator(":focus")).to_have_count(1)
    problems = []
    count = dialog.locator(TABBABLE).count()
    stops = []
    for key in ["Tab"] * (count + 1) + ["Shift+Tab"] * (count + 1):
        page.keyboard.press(key)
        if not page.evaluate(INSIDE_A_DIALOG):
            problems.append(f"{where}: {key} left the dialog")
            break
        stops.append(focused(page))
    problems += [f"{where}: «{stop.name}» has {stop.problem}" for stop in stops if stop.problem]
    names = [stop.name for stop in stops[:count]]
    if names != expected:
        problems.append(f"{where}: Tab goes through {names}, expected {expected}")
    page.keyboard.press("Escape")
    return problems + focus_back(where, page, opener, dialog)


def focus_back(where: str, page: Page, opener: str, dialog: Locator) -> list[str]:
    """Once the dialog has closed, the focus is back on the control that opened it (else it is put there)."""
    expect(dialog).to_be_hidden()
    if (back := focused(page)) is not None and back.name == opener:
        return []
    tab_to(page, opener)
    return [f"{where}: closed, the dialog left the focus on {back.name if back else 'the page'}, not on «{opener}»"]


def choose_account(page: Page, account: Customer, key: str) -> None:
    """Open «Выбор лицевого счёта» with Enter, move to the account with the arrow, take it with Enter."""
    press_on(page, SWITCHER)
    # The list takes the focus once it has opened: a key pressed before that would be lost.
    expect(page.get_by_role("option", selected=True)).to_be_focused()
    page.keyboard.press(key)
    expect(page.get_by_role("option", name=account.number)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"{account.surname} Анна Петровна")).to_be_visible()
    expect(page.get_by_role("combobox", name=SWITCHER)).to_be_focused()


@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_the_whole_journey_by_keyboard(page: Page, lk):
    settings = get_settings()
    supplier, phone = settings.supplier_name, settings.contact_phone
    customer, second = load_customer(), load_customer("Петрова")
    problems: list[str] = []
    with clock_on_day(20) as today:
        load_history(customer, today)
        page.goto("/")
        expect(page.get_by_label("Логин или номер лицевого счёта")).to_be_enabled()  # hydrated
        login_page = [supplier, "Логин или номер лицевого счёта", "Пароль", "Войти", "Забыли пароль?", "Первый вход",
                      "Регистрация", "Обратная связь", phone]
        problems += page_problems("/", page, login_page)
        press_on(page, "Первый вход")

        expect(page.get_by_label("Номер лицевого счёта", exact=True)).to_be_visible()
        problems += page_problems("/first-login", page, [supplier, "Номер лицевого счёта", "Фамилия", "Продолжить",
                                                         "← Вход в Личный кабинет", phone])
        type_into(page, "Номер лицевого счёта", customer.number)
        type_into(page, "Фамилия", customer.surname)
        press_on(page, "Продолжить")

        expect(page.get_by_label("Новый пароль")).to_be_visible()
        problems += page_problems("/first-login, step 2", page, [
            supplier, "Изменить", "Фамилия", "Новый пароль", "Подтверждение пароля", "E-mail",
            "Подтверждение по e-mail", "Телефон", CONSENT, "политика", "Сохранить", "← Вход в Личный кабинет", phone])
        type_into(page, "Новый пароль", PASSWORD)
        type_into(page, "Подтверждение пароля", PASSWORD)
        type_into(page, "E-mail", customer.email)
        # The confirmation choice is one radio group, one Tab stop: the arrows move the choice. Radix checks the radio
        # the focus moves to while the arrow is still down, so the key is held as a person holds it, not for 0 ms.
        by_email, by_sms = (page.get_by_role("radio", name=f"Подтверждение по {way}") for way in ("e-mail", "СМС"))
        tab_to(page, "Подтверждение по e-mail")
        page.keyboard.press("ArrowDown", delay=HELD_MS)
        expect(by_sms).to_be_focused()
        expect(by_sms).to_be_checked()
        expect(page.get_by_role("button", name="Отправить СМС")).to_be_visible()
        page.keyboard.press("ArrowUp", delay=HELD_MS)
        expect(by_email).to_be_checked()
        expect(page.get_by_role("button", name="Отправить СМС")).to_have_count(0)
        press_on(page, CONSENT, " ")
        expect(page.get_by_role("checkbox", name=CONSENT)).to_be_checked()
        press_on(page, "Сохранить")
        expect(page.get_by_text(customer.email)).to_be_visible()

        page.goto(confirmation_link(lk, customer))
        expect(page.get_by_role("button", name="Подтвердить")).to_be_visible()
        problems += page_problems("/confirm", page, [supplier, "Подтвердить", phone])
        press_on(page, "Подтвердить")
        expect(page.get_by_text("Регистрация подтверждена")).to_be_visible()
        problems += page_problems("/confirm, confirmed", page, [supplier, "Войти", phone])
        press_on(page, "Войти")

        expect(page.get_by_label("Логин или номер лицевого счёта")).to_be_enabled()
        type_into(page, "Логин или номер лицевого счёта", customer.number)
        type_into(page, "Пароль", PASSWORD)
        press_on(page, "Войти")

        expect(page.get_by_label(DAY)).to_be_visible()
        menu = [supplier, "Личный кабинет", "Настройки", "Выход"]
        problems += page_problems("/cabinet", page, [*menu, DAY, NIGHT, "Передать показания", "Начисления", phone],
                                  exact=False)
        press_on(page, "Настройки")

        # A second account, added in «Настройки»; its dialog first opened and closed without a change.
        expect(page.get_by_role("list", name="Лицевые счета")).to_be_visible()
        problems += page_problems("/settings", page, [
            *menu, "Получать счёт на e-mail", "E-mail для счетов", f"Сохранить счёт на e-mail по счёту {customer.number}",
            "Добавить лицевой счёт", "Текущий пароль", "Новый пароль", "Подтверждение нового пароля", "Сменить пароль",
            "Новый e-mail", "Пароль для смены e-mail", "Сменить e-mail", "Новый телефон", "Получить код",
            "Код подтверждения", "Пароль для смены телефона", "Сменить телефон", "Выйти на всех устройствах", phone,
        ], exact=False)
        add = "Добавить лицевой счёт"
        tab_to(page, add)
        add_dialog = page.get_by_role("dialog", name="Добавление лицевого счёта")
        problems += dialog_problems("«Добавить лицевой счёт»", page, add, add_dialog,
                                    ["Сумма последнего платежа", "Закрыть", "Отправить", "Лицевой счёт"])
        page.keyboard.press("Enter")
        expect(page.get_by_label("Лицевой счёт", exact=True)).to_be_focused()
        page.keyboard.type(second.number)
        type_into(page, "Сумма последнего платежа", "1234,56")
        press_on(page, "Отправить")
        expect(page.get_by_text(f"Лицевой счёт {second.number} добавлен")).to_be_visible()
        problems += focus_back("«Добавить лицевой счёт», sent", page, add, add_dialog)

        remove = f"Удалить счёт {second.number}"
        tab_to(page, remove, backwards=True)
        problems += dialog_problems("«Удалить»", page, remove, page.get_by_role("alertdialog"), ["Удалить", "Отмена"])

        # Readings in the cabinet, after a look at the other account through the switcher.
        press_on(page, "Личный кабинет", backwards=True)
        expect(page.get_by_role("combobox", name=SWITCHER)).to_be_visible()
        for account, key in ((second, "ArrowDown"), (customer, "ArrowUp")):
            choose_account(page, account, key)
        type_into(page, DAY, "1120")
        type_into(page, NIGHT, "560")
        press_on(page, "Передать показания")
        month = month_name_lower(period_of(today))
        expect(page.get_by_role("alert").filter(has_text=f"Показания за {month} приняты")).to_be_visible()
        press_on(page, "Начисления", "ArrowRight")
        expect(page.get_by_role("tab", name="Платежи")).to_be_focused()
        expect(page.locator("#history-payments")).to_be_visible()

        with page.expect_response(lambda response: "/auth/logout" in response.url):
            press_on(page, "Выход", backwards=True)
        expect(page.get_by_role("heading", name="Вход в Личный кабинет")).to_be_visible()
    assert not problems, "\n".join(problems)
