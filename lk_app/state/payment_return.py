"""`/payment/return`: where a payment stands once the customer is back from the acquirer, as its API says."""

import asyncio

import reflex as rx

from lk_app.services.online_payments import PaymentReturn, ReturnStatus, configured_acquirer, payment_return
from lk_app.state.session import SessionState
from lk_app.texts.payments import (
    RETURN_CHECKING,
    RETURN_HEADINGS,
    RETURN_NOT_FOUND,
    RETURN_NOT_FOUND_NOTE,
    RETURN_NOTES,
    masked_account,
)

# A customer back before YooKassa has decided is asked to wait, and the API is asked again meanwhile: often enough
# to see the outcome within seconds, few enough times that a forgotten tab stops asking within a minute.
RECHECK_SECONDS = 4.0
RECHECKS = 10
PUBLIC_ID_LENGTH = 64


class PaymentReturnState(rx.State):
    """The payment the address names, the viewer's own or anyone's after the session has ended; never another LK's."""

    status: str = "checking"  # checking, a ReturnStatus's value, or "unknown"
    heading: str = RETURN_CHECKING
    note: str = ""
    amount: str = ""
    account: str = ""  # masked: the page may be open on a shared computer
    rechecks_left: int = 0
    _watch: int = 0  # the page's latest look: a reload or a reconnect starts a new one and ends the older

    def _show(self, found: PaymentReturn | None) -> None:
        if found is None:
            self.status, self.heading, self.note, self.amount, self.account = ("unknown", RETURN_NOT_FOUND,
                                                                               RETURN_NOT_FOUND_NOTE, "", "")
            return
        self.status, self.heading, self.note = found.status.value, RETURN_HEADINGS[found.status], RETURN_NOTES[found.status]
        self.amount, self.account = found.amount, masked_account(found.account)

    @rx.event(background=True)
    async def inspect(self):
        """On load: ask the acquirer's API (never the address) how the payment stands; while it is processing, ask
        again every few seconds, so that the outcome appears without a reload."""
        async with self:
            self._watch += 1
            watch = self._watch
            self.status, self.heading, self.note, self.amount, self.account = "checking", RETURN_CHECKING, "", "", ""
            public_id = str(self.router.url.query_parameters.get("payment", ""))[:PUBLIC_ID_LENGTH]
            user = await (await self.get_state(SessionState))._current_user()
        viewer_id = user.user_id if user is not None else None
        for look in range(RECHECKS + 1):
            if look:
                await asyncio.sleep(RECHECK_SECONDS)
                async with self:
                    if self._watch != watch:
                        return
            found = await asyncio.to_thread(payment_return, public_id, viewer_id, acquirer=configured_acquirer())
            async with self:
                if self._watch != watch:
                    return
                self._show(found)
                self.rechecks_left = RECHECKS - look
                if found is None or found.status is not ReturnStatus.PROCESSING:
                    return
