"""The console's audit log, and the re-check of the operator that every handler of the console begins with."""

import dataclasses

import reflex as rx

from lk_app.services.audit import audit_log
from lk_app.services.sessions import SessionUser
from lk_app.state.session import SessionState
from lk_app.state.threads import in_transaction
from lk_app.texts.operator import ACTION_LABELS, audit_detail, audit_subject


async def console_operator(state: rx.State) -> SessionUser | None:
    """The operator of the tab's session, re-checked in the database; None for anyone else."""
    return await (await state.get_state(SessionState))._current_operator()


async def turned_away(state: rx.State) -> rx.event.EventSpec:
    """Wipe what the tab shows and send it to the login page: its session ended or is not an operator's."""
    return await (await state.get_state(SessionState))._turn_away()


@dataclasses.dataclass(frozen=True)
class AuditRow:
    """An audit entry in words: the action's name and what it was done to."""

    at: str
    operator: str
    action: str
    subject: str
    detail: str


class AuditState(rx.State):
    """The newest audit entries: who did what, when, to which LK or ticket."""

    entries: list[AuditRow] = []

    @rx.event
    async def load(self):
        """Read the log afresh."""
        operator = await console_operator(self)
        if operator is None:
            self.reset()
            return
        lines = await in_transaction(lambda session: audit_log(operator.user_id, session=session))
        self.entries = [
            AuditRow(line.at, line.operator, ACTION_LABELS.get(line.action, line.action), audit_subject(line.lk, line.ticket),
                     audit_detail(line.action, line.detail))
            for line in lines
        ]
