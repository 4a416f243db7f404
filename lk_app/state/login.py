"""The login form: credentials checked in a thread, a grant traded for the session cookie."""

import logging

import reflex as rx

from lk_app.services.auth import LoginStatus, log_in
from lk_app.services.old_portal import give_first_email, replace_legacy_hash
from lk_app.services.registration import resend_confirmation
from lk_app.state.session import SessionState, enter_with
from lk_app.state.threads import in_transaction
from lk_app.texts.access import (
    CREDENTIALS_MISSING,
    LINK_RESENT,
    LINKS_LIMITED,
    LOGIN_STATUSES,
    first_email_refusal,
)

logger = logging.getLogger(__name__)


class LoginState(rx.State):
    """Errors and notices of the login form; the unconfirmed LK's id stays on the server."""

    error: str = ""
    credentials_refused: bool = False  # the error is about what was typed: both fields are marked refused
    notice: str = ""
    unconfirmed: bool = False
    busy: bool = False
    asking_email: bool = False  # the popup for an old portal's LK without an e-mail
    email_error: str = ""
    _unconfirmed_user_id: int | None = None
    _email_for_user_id: int | None = None  # set only after this LK's password was proved here

    @rx.event
    def reset_form(self):
        """A fresh form whenever the page opens."""
        self.error = self.notice = self.email_error = ""
        self.unconfirmed = self.busy = self.asking_email = self.credentials_refused = False
        self._unconfirmed_user_id = self._email_for_user_id = None

    @rx.event
    async def log_in(self, form_data: dict):
        """Check the credentials; on success the browser goes to the cookie route."""
        identifier = str(form_data.get("identifier", "")).strip()[:100]
        password = str(form_data.get("password", ""))[:200]
        self.notice = ""
        self.credentials_refused = not identifier or not password
        if self.credentials_refused:
            self.error = CREDENTIALS_MISSING
            yield rx.set_focus("identifier" if not identifier else "password")
            return
        self.busy = True
        yield
        ip = (await self.get_state(SessionState))._client_ip()
        outcome = await in_transaction(lambda session: log_in(identifier, password, ip=ip, session=session))
        self.busy = False
        self.credentials_refused = outcome.status is LoginStatus.INVALID
        self.unconfirmed = outcome.status is LoginStatus.UNCONFIRMED
        self._unconfirmed_user_id = outcome.user_id if self.unconfirmed else None
        if outcome.legacy_hash:
            await self._replace_legacy_hash(outcome.user_id, outcome.legacy_hash, password)
        if outcome.status is LoginStatus.NEEDS_EMAIL:
            self.error = ""
            self._email_for_user_id = outcome.user_id
            self.asking_email = True
            return
        if outcome.status is LoginStatus.OK:
            self.error = ""
            yield enter_with(outcome.grant)
            return
        self.error = LOGIN_STATUSES[outcome.status].format(seconds=outcome.retry_after_seconds)
        yield rx.set_value("password", "")

    async def _replace_legacy_hash(self, user_id: int, legacy_hash: str, password: str) -> None:
        """The old portal's hash gives way to bcrypt in a transaction of its own: a failure here never fails the login."""
        try:
            await in_transaction(lambda session: replace_legacy_hash(user_id, legacy_hash, password, session=session))
        except Exception:  # noqa: BLE001 - the customer is in; the next login tries again
            logger.exception("could not replace the old password hash of LK %s", user_id)

    @rx.event
    async def save_email(self, form_data: dict):
        """The popup's «Сохранить»: the old LK's first e-mail gets a confirmation link, and the customer enters."""
        if self._email_for_user_id is None:
            self.asking_email = False
            return
        user_id, typed = self._email_for_user_id, str(form_data.get("first_email", "")).strip()[:254]
        refusal, grant = await in_transaction(lambda session: give_first_email(user_id, typed, session=session))
        if refusal:
            self.email_error = first_email_refusal(refusal)
            yield rx.set_focus("first_email")
            return
        self.asking_email, self._email_for_user_id = False, None
        yield enter_with(grant)

    @rx.event
    async def resend_link(self):
        """A new confirmation link for the LK whose password was just proved."""
        if self._unconfirmed_user_id is None:
            return
        user_id, ip = self._unconfirmed_user_id, (await self.get_state(SessionState))._client_ip()
        address = await in_transaction(lambda session: resend_confirmation(user_id, ip=ip, session=session))
        if address:
            self.error = ""
            self.notice = LINK_RESENT.format(email=address)
        else:
            self.error = LINKS_LIMITED
