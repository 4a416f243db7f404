"""The words of getting in and the profile: first login, registration, login, the old portal, links, recovery."""

from lk_app.billing.problems import RowProblem
from lk_app.normal_forms import display_phone
from lk_app.services.auth import LoginStatus
from lk_app.services.email_address import EmailRefusal
from lk_app.services.old_portal import FirstEmail, LegacyFault, LegacyImportError, LegacyImportReport, LegacyProblem
from lk_app.services.passwords import PasswordProblem, PasswordRefusal
from lk_app.services.profile import CurrentPassword
from lk_app.services.recovery import CodeRefusal, Disowned
from lk_app.services.registration import FormRefusal, LoginRefusal, Proof, RegistrationRefusal
from lk_app.services.sms_codes import Check
from lk_app.texts.billing import file_problem, row_problem
from lk_app.texts.common import CONSENT_MISSING, email_refusal

# {limit}: the bound of the length that was crossed.
PASSWORD_REFUSALS = {
    PasswordRefusal.TOO_SHORT: "Пароль должен содержать не менее {limit} символов.",
    PasswordRefusal.TOO_LONG: "Пароль должен содержать не более {limit} символов.",
    PasswordRefusal.COMMON: "Этот пароль слишком распространён, придумайте другой.",
    PasswordRefusal.LIKE_IDENTIFIER: "Пароль не должен совпадать с логином, номером лицевого счёта или e-mail.",
    PasswordRefusal.CONFIRMATION_DIFFERS: "Пароль и подтверждение не совпадают.",
}
CODE_REFUSALS = {
    Check.WRONG: "Неверный код. Проверьте цифры из СМС.",
    Check.EXHAUSTED: "Код введён неверно слишком много раз. Запросите новый код.",
    Check.EXPIRED: "Срок действия кода истёк. Запросите новый код.",
    Check.NONE: "Код не запрашивался или уже использован. Запросите новый код.",
}
TRIES_LEFT = " Осталось попыток: {tries}."


def phone_in_text(e164: str) -> str:
    """A phone inside a sentence (a hint, a notice), which has no nowrap span: non-breaking hyphens hold it together."""
    return display_phone(e164).replace("-", "\u2011")


PHONE_EXAMPLE = phone_in_text("+79123456789")
PHONE_FORMAT = f"Укажите мобильный номер России, например {PHONE_EXAMPLE}."
PHONE_HINT = f"Мобильный номер России, например {PHONE_EXAMPLE}."
LOGIN_TAKEN = "Этот логин недоступен. Придумайте другой или воспользуйтесь «Забыли пароль?»."
LOGIN_REFUSALS = {
    LoginRefusal.FORMAT: "Логин — от 3 до 32 символов: буквы, цифры, точка, дефис и подчёркивание.",
    LoginRefusal.ALL_DIGITS: "Логин из одних цифр похож на номер лицевого счёта: добавьте буквы.",
    LoginRefusal.TAKEN: LOGIN_TAKEN,
}
FORM_REFUSALS = {
    FormRefusal.SURNAME_MISMATCH: "Фамилия не совпадает с фамилией владельца лицевого счёта.",
    FormRefusal.PHONE_FORMAT: PHONE_FORMAT,
    FormRefusal.CONSENT_MISSING: CONSENT_MISSING,
    FormRefusal.PHONE_UNPROVED: "Подтвердите телефон: получите код по СМС и введите его.",
}

# «Первый вход».
SURNAME_MISSING = "Укажите фамилию владельца лицевого счёта."
PROOFS = {
    Proof.MISMATCH: "Лицевой счёт с такой фамилией не найден. Проверьте номер и фамилию.",
    Proof.LIMITED: "Слишком много неудачных попыток. Попробуйте завтра или позвоните в контакт-центр.",
    Proof.REGISTERED: "Для этого лицевого счёта Личный кабинет уже зарегистрирован. Войдите или воспользуйтесь "
                      "«Забыли пароль?».",
}
PHONE_NOT_CONFIRMED = "Сначала подтвердите телефон: получите код по СМС, введите его и нажмите «ОК»."

# The SMS code that proves a phone.
CODE_SENT = "Код отправлен на {phone}. Он действует 10 минут."
CODE_WAIT = "Новый код можно запросить через {seconds} с."
CODES_LIMITED = "Слишком много СМС на этот номер или с вашего адреса. Повторите через {minutes} мин."

# «Войти».
CREDENTIALS_MISSING = "Введите логин или номер лицевого счёта и пароль."
LOGIN_STATUSES = {
    LoginStatus.INVALID: "Неверный логин или пароль.",
    LoginStatus.UNCONFIRMED: "Регистрация ещё не подтверждена. Перейдите по ссылке из письма или получите новую ссылку.",
    LoginStatus.LOCKED: "Слишком много неудачных попыток: вход заблокирован на час. Восстановите пароль по ссылке "
                        "«Забыли пароль?».",
    LoginStatus.IP_LIMITED: "Слишком много неудачных попыток с вашего адреса. Попробуйте через час.",
    LoginStatus.WAIT: "Слишком много неудачных попыток. Повторите через {seconds} с.",
}
LINK_RESENT = "Новая ссылка отправлена на {email}. Если письма нет, проверьте папку «Спам»."
LINKS_LIMITED = "Ссылок запрошено слишком много. Попробуйте позже."
FIRST_EMAILS = {FirstEmail.ALREADY_GIVEN: "E-mail уже указан: войдите ещё раз."}

# The e-mail link page.
LINK_UNKNOWN = "Эта ссылка недействительна. Пройдите регистрацию через «Первый вход»."
LINK_NOT_RESENT = ("Новую ссылку отправить нельзя: регистрация уже подтверждена или ссылок запрошено слишком много. "
                   "Попробуйте войти.")
DISOWNED = {
    Disowned.RESET_LINK_SENT: "Все входы в Личный кабинет завершены, прежний e-mail возвращён. На него отправлена "
    "ссылка для нового пароля: она действует 1 час.",
    Disowned.PHONE_RESTORED: "Все входы в Личный кабинет завершены, прежний телефон возвращён. Задайте новый пароль "
    "через «Забыли пароль?» — по СМС.",
}

# «Забыли пароль?»: the same words whether or not the LK exists.
IDENTIFIER_MISSING = "Введите логин или номер лицевого счёта."
RECOVERY_SENT = {
    "email": "Если Личный кабинет с таким логином или номером счёта есть и в нём указан e-mail, на этот адрес "
             "отправлена ссылка для смены пароля. Она действует 1 час. Если письма нет, проверьте папку «Спам».",
    "sms": "Если Личный кабинет с таким логином или номером счёта есть и в нём подтверждён телефон, на него "
           "отправлен код. Введите его и новый пароль.",
}
RESET_CODE_REFUSALS = {
    CodeRefusal.WRONG_CODE: "Неверный или устаревший код, или неверный логин. Проверьте цифры из СМС или запросите "
                            "новый код.",
    CodeRefusal.TOO_MANY: "Слишком много попыток. Попробуйте через час.",
}

# The profile.
CURRENT_PASSWORD = {
    CurrentPassword.WRONG: "Неверный текущий пароль.",
    CurrentPassword.TOO_MANY: "Слишком много неверных попыток. Попробуйте через час или восстановите пароль.",
}
PASSWORD_CHANGED = "Пароль изменён. Все другие входы в Личный кабинет завершены."
EMAIL_LINK_SENT = "Ссылка для подтверждения отправлена на {email}. Адрес сменится, когда вы её откроете."
PHONE_CHANGED = "Телефон изменён на {phone}. Все другие входы в Личный кабинет завершены."

# `import-legacy`: {value} is the field as written.
LEGACY_FAULTS = {
    LegacyFault.NO_LOGIN: "нет ни логина, ни номера лицевого счёта",
    LegacyFault.LOGIN_FORMAT: "логин «{value:.40}»: от 3 до 32 букв, цифр, точек, дефисов и подчёркиваний",
    LegacyFault.EMAIL_FORMAT: "e-mail «{value:.60}» не распознан",
    LegacyFault.HASH_FORMAT: "неизвестный формат хеша пароля",
    LegacyFault.LOGIN_TAKEN: "логин «{value}» уже занят в новом Личном кабинете",
}
LEGACY_FILE_MISSING = "файл {path} не найден"
LEGACY_IMPORTED = "Добавлено: {added}, уже были: {existing}, с ошибками: {refused}"


def password_refusal(problem: PasswordProblem) -> str:
    """Why a new password is refused, with the length it must keep to."""
    return PASSWORD_REFUSALS[problem.refusal].format(limit=problem.limit)


def registration_refusal(refusal: RegistrationRefusal) -> str:
    """The words of one refusal of a registration form, whichever part of it refused."""
    if isinstance(refusal, EmailRefusal):
        return email_refusal(refusal)
    if isinstance(refusal, PasswordProblem):
        return password_refusal(refusal)
    if isinstance(refusal, LoginRefusal):
        return LOGIN_REFUSALS[refusal]
    if isinstance(refusal, Check):
        return CODE_REFUSALS[refusal]
    return FORM_REFUSALS[refusal]


def first_email_refusal(refusal: EmailRefusal | FirstEmail) -> str:
    """Why the old portal's LK cannot take this first e-mail."""
    return email_refusal(refusal) if isinstance(refusal, EmailRefusal) else FIRST_EMAILS[refusal]


def legacy_problem(file: str, line: int, problem: LegacyProblem) -> str:
    """«legacy.csv:4: неизвестный формат хеша пароля»: a refused row of the old portal's users, by its line."""
    if isinstance(problem.fault, RowProblem):
        reason = row_problem(problem.fault)
    else:
        reason = LEGACY_FAULTS[problem.fault].format(value=problem.value)
    return f"{file}:{line}: {reason}"


def legacy_import_refusal(error: LegacyImportError) -> str:
    """Why the old portal's file cannot be imported at all."""
    return file_problem(error.problem) if error.problem else LEGACY_FILE_MISSING.format(path=error.path)


def legacy_summary(report: LegacyImportReport) -> str:
    """The import's counts."""
    return LEGACY_IMPORTED.format(added=report.added, existing=report.existing, refused=len(report.refused))

# The browsers a session list names in Russian; any other product keeps its own name.
BROWSER_NAMES = {"YaBrowser": "Яндекс Браузер", "": "Браузер"}
