"""The console's gate and its audit log: only operators pass, and what each of them does is written down for good.

Every console service takes the operator's id first and checks the role again here: the console's states check
it too, but a service never trusts its caller to have done so. The log has no change path: rows are only added.
"""

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from lk_app.clock import shown
from lk_app.models import OPERATOR, AuditEntry, FeedbackTicket, LkUser


class Action(enum.Enum):
    """What an audit entry records."""

    SEARCH = "search"
    VIEW_LK = "view_lk"
    SET_EMAIL = "set_email"
    RESEND_CONFIRMATION = "resend_confirmation"
    UNLOCK_LOGIN = "unlock_login"
    END_SESSIONS = "end_sessions"
    TAKE_TICKET = "take_ticket"
    REPLY_TICKET = "reply_ticket"
    CLOSE_TICKET = "close_ticket"


class NotAnOperator(PermissionError):
    """The caller is not (or no longer) an operator: nothing was read or changed."""


@dataclass(frozen=True)
class AuditLine:
    """An audit entry as the console lists it."""

    at: str
    operator: str
    action: str
    lk: str
    ticket: int | None
    detail: str


def require_operator(operator_id: int | None, *, session: Session) -> LkUser:
    """The operator's own LK; NotAnOperator for anyone else."""
    operator = session.get(LkUser, operator_id) if operator_id else None
    if operator is None or operator.role != OPERATOR:
        raise NotAnOperator(operator_id)
    return operator


def record_action(operator: LkUser, action: Action, *, session: Session, user: LkUser | None = None,
                  ticket: FeedbackTicket | None = None, detail: str = "") -> None:
    """Add an entry in the caller's transaction: the action and its record stand or fall together."""
    session.add(AuditEntry(operator_id=operator.id, action=action.value, user_id=user.id if user else None,
                           ticket_id=ticket.id if ticket else None, detail=detail[:500]))
    session.flush()


def logins_of(ids: Iterable[int | None], *, session: Session) -> dict[int, str]:
    """The logins of these LKs by id: the console names operators and customers, never their ids."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.exec(select(LkUser.id, LkUser.login).where(col(LkUser.id).in_(wanted))).all())


def audit_log(operator_id: int, *, session: Session, limit: int = 100) -> list[AuditLine]:
    """The newest audit entries first."""
    require_operator(operator_id, session=session)
    rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)).all()
    logins = logins_of([i for row in rows for i in (row.operator_id, row.user_id)], session=session)
    return [
        AuditLine(shown(row.created_at), logins.get(row.operator_id, ""), row.action, logins.get(row.user_id, ""),
                  row.ticket_id, row.detail)
        for row in rows
    ]
