"""The e-mail link page (registration, a new address, a bill address): confirms only on «Подтвердить»."""

import reflex as rx

from lk_app.services.ebill_subscriptions import CONFIRM_EBILL_EMAIL, confirm_ebill_address
from lk_app.services.email_links import CONFIRM_REGISTRATION, NOT_ME_EMAIL, NOT_ME_PHONE, LinkState, find_link_token
from lk_app.services.profile import CONFIRM_NEW_EMAIL, confirm_new_email
from lk_app.services.recovery import Disowned, disown_change
from lk_app.services.registration import confirm_registration, resend_confirmation, user_of_link
from lk_app.state.session import SessionState
from lk_app.state.threads import in_transaction
from lk_app.texts.access import DISOWNED, LINK_NOT_RESENT, LINK_RESENT, LINK_UNKNOWN

# What each kind of link confirms, by the purpose of its token.
KINDS = {CONFIRM_REGISTRATION: "registration", CONFIRM_NEW_EMAIL: "new_email", CONFIRM_EBILL_EMAIL: "ebill",
         NOT_ME_EMAIL: "not_me", NOT_ME_PHONE: "not_me"}
CONFIRMERS = {"registration": confirm_registration, "ebill": confirm_ebill_address}


class ConfirmState(rx.State):
    """What the link turned out to be: valid, done, used, expired or unknown."""

    status: str = "checking"  # checking | valid | confirmed | used | expired | unknown
    # registration | new_email (a changed LK address) | ebill (an address for bills) | not_me (a change disowned)
    kind: str = "registration"
    notice: str = ""
    busy: bool = False

    def _token(self) -> str:
        return str(self.router.url.query_parameters.get("token", ""))[:200]

    @rx.event
    async def inspect(self):
        """On load: look at the token without using it (mail scanners open links too)."""
        self.notice = ""
        token = self._token()
        verdict = await in_transaction(lambda session: find_link_token(token, tuple(KINDS), session=session))
        self.kind = KINDS[verdict.token.purpose] if verdict.token is not None else "registration"
        self.status = verdict.state.value

    @rx.event
    async def confirm(self):
        """The press of «Подтвердить»: spend the token and confirm the e-mail."""
        self.busy = True
        yield
        token = self._token()
        if self.kind == "not_me":
            outcome = await in_transaction(lambda session: disown_change(token, session=session))
            self.notice = DISOWNED.get(outcome, "")
            state = LinkState.VALID if isinstance(outcome, Disowned) else outcome
        elif self.kind == "new_email":
            keep = (await self.get_state(SessionState))._session_id()
            state = await in_transaction(lambda session: confirm_new_email(token, keep_session=keep, session=session))
        else:
            confirmer = CONFIRMERS[self.kind]
            state = await in_transaction(lambda session: confirmer(token, session=session))
        self.busy = False
        self.status = "confirmed" if state is LinkState.VALID else state.value

    @rx.event
    async def send_new_link(self):
        """A fresh link to the address of an expired or spent one, while the LK is unconfirmed."""
        token = self._token()
        user_id = await in_transaction(lambda session: user_of_link(token, session=session))
        if user_id is None:
            self.notice = LINK_UNKNOWN
            return
        ip = (await self.get_state(SessionState))._client_ip()
        address = await in_transaction(lambda session: resend_confirmation(user_id, ip=ip, session=session))
        self.notice = LINK_RESENT.format(email=address) if address else LINK_NOT_RESENT
