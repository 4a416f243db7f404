"""The Reflex app: every page with its on_load, the cookie routes and the in-app dispatcher."""

import asyncio
import contextlib

import reflex as rx

from lk_app import installable, logs
from lk_app.pages.cabinet import cabinet_page
from lk_app.pages.confirm import confirm_page
from lk_app.pages.demo_payment import TITLE as DEMO_PAYMENT_TITLE
from lk_app.pages.demo_payment import demo_payment_page
from lk_app.pages.feedback import TITLE as FEEDBACK_TITLE
from lk_app.pages.feedback import feedback_page
from lk_app.pages.first_login import first_login_page
from lk_app.pages.forgot import forgot_page, reset_page
from lk_app.pages.login import TITLE as LOGIN_TITLE
from lk_app.pages.login import login_page
from lk_app.pages.not_found import TITLE as NOT_FOUND_TITLE
from lk_app.pages.not_found import not_found_page
from lk_app.pages.operator import TITLE as OPERATOR_TITLE
from lk_app.pages.operator import operator_page
from lk_app.pages.outbox import outbox_page
from lk_app.pages.payment_return import TITLE as PAYMENT_RETURN_TITLE
from lk_app.pages.payment_return import payment_return_page
from lk_app.pages.privacy import TITLE as PRIVACY_TITLE
from lk_app.pages.privacy import privacy_page
from lk_app.pages.register import register_page
from lk_app.pages.settings import settings_page
from lk_app.pages.unsubscribe import TITLE as UNSUBSCRIBE_TITLE
from lk_app.pages.unsubscribe import unsubscribe_page
from lk_app.routes import backend_routes
from lk_app.settings import get_settings
from lk_app.state.accounts import AccountsState
from lk_app.state.cabinet import CabinetState
from lk_app.state.confirm import ConfirmState
from lk_app.state.demo import DemoState
from lk_app.state.operator_desk import OperatorState
from lk_app.state.payment_return import PaymentReturnState
from lk_app.state.profile import ProfileState
from lk_app.state.recovery import ResetState
from lk_app.state.unsubscribe import UnsubscribeState


@contextlib.asynccontextmanager
async def outbox_dispatcher():
    """Send the outbox and reconcile payments from the app process too, unless LK_DISPATCH_IN_APP=0 leaves it to
    workers."""
    from lk_app.messaging.dispatcher import start_background_dispatcher
    from lk_app.services.online_payments import periodic_chores

    running = start_background_dispatcher(periodic_chores()) if get_settings().dispatch_in_app else None
    try:
        yield
    finally:
        if running is not None:
            await asyncio.to_thread(running.stop)


logs.install(get_settings().log_format)
supplier = get_settings().supplier_name
app = rx.App(
    html_lang="ru",
    api_transformer=backend_routes,
    head_components=[rx.el.link(rel="icon", href="/favicon.svg"), *installable.head_components()],
)
app.register_lifespan_task(outbox_dispatcher)

app.add_page(login_page, route="/", title=f"{LOGIN_TITLE} — {supplier}", on_load=DemoState.load_samples)
app.add_page(first_login_page, route="/first-login", title=f"Первый вход — {supplier}")
app.add_page(register_page, route="/register", title=f"Регистрация — {supplier}")
app.add_page(forgot_page, route="/forgot", title=f"Восстановление пароля — {supplier}")
app.add_page(reset_page, route="/reset", title=f"Новый пароль — {supplier}", on_load=ResetState.inspect)
app.add_page(confirm_page, route="/confirm", title=f"Подтверждение регистрации — {supplier}", on_load=ConfirmState.inspect)
app.add_page(cabinet_page, route="/cabinet", title=f"Личный кабинет — {supplier}", on_load=CabinetState.load)
app.add_page(payment_return_page, route="/payment/return", title=f"{PAYMENT_RETURN_TITLE} — {supplier}",
             on_load=PaymentReturnState.inspect)
app.add_page(settings_page, route="/settings", title=f"Настройки — {supplier}", on_load=[ProfileState.load, AccountsState.load])
app.add_page(feedback_page, route="/feedback", title=f"{FEEDBACK_TITLE} — {supplier}")
app.add_page(operator_page, route="/operator", title=f"{OPERATOR_TITLE} — {supplier}", on_load=OperatorState.load)
app.add_page(unsubscribe_page, route="/unsubscribe", title=f"{UNSUBSCRIBE_TITLE} — {supplier}", on_load=UnsubscribeState.inspect)
app.add_page(outbox_page, route="/dev/outbox", title="Исходящие сообщения", on_load=DemoState.load_outbox)
app.add_page(demo_payment_page, route="/dev/pay", title=DEMO_PAYMENT_TITLE, on_load=DemoState.load_payment)
app.add_page(privacy_page, route="/privacy", title=f"{PRIVACY_TITLE} — {supplier}")
# Every address without a page: the production server answers it with 404, and so does the dev server (dev_server.py).
app.add_page(not_found_page, route="404", title=f"{NOT_FOUND_TITLE} — {supplier}")
