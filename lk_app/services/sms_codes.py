"""SMS codes that prove a phone: issuing with resend and volume limits, checking with a hard cap on tries."""

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from lk_app.clock import now
from lk_app.messaging.outbox import queue_sms
from lk_app.messaging.templates import render_sms
from lk_app.models import LkUser, SmsCode
from lk_app.services import limits
from lk_app.services.tokens import secret_hash

CONFIRM_PHONE = "confirm_phone"
CODE_TTL = timedelta(minutes=10)
RESEND_AFTER = timedelta(seconds=60)
MAX_TRIES = 5
# A verified code proves the phone for this long: enough to finish the form it was asked for.
PROOF_TTL = timedelta(minutes=30)
# Tries carry over to a newer code asked for within this time, so fresh codes do not buy fresh guesses.
TRIES_MEMORY = timedelta(hours=1)


class Issue(enum.Enum):
    """How a request for a code ended."""

    SENT = "sent"
    WAIT = "wait"  # the previous code is younger than RESEND_AFTER
    LIMITED = "limited"  # too many SMS to this phone or from this IP


@dataclass(frozen=True)
class CodeIssue:
    """The verdict on a request for a code, with the seconds until the next one may be asked for."""

    outcome: Issue
    retry_after_seconds: int


class Check(enum.Enum):
    """How a typed code was judged."""

    OK = "ok"
    WRONG = "wrong"
    EXHAUSTED = "exhausted"  # MAX_TRIES reached: this code is dead, and a newer one inherits its tries
    EXPIRED = "expired"
    NONE = "none"  # no code was sent to this phone for this purpose


@dataclass(frozen=True)
class CodeCheck:
    """The verdict on a typed code; the code's id proves the phone later when it is OK."""

    outcome: Check
    code_id: int | None = None
    tries_left: int = 0


def _code_hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _latest(phone: str, purpose: str, requester_hash: str | None, *, session: Session) -> SmsCode | None:
    """The newest code sent to the phone for the purpose, the newest any tab asked for when `requester_hash` is None."""
    statement = select(SmsCode).where(SmsCode.phone == phone, SmsCode.purpose == purpose)
    if requester_hash is not None:
        statement = statement.where(SmsCode.requester_hash == requester_hash)
    return session.exec(statement.order_by(col(SmsCode.created_at).desc(), col(SmsCode.id).desc())).first()


def issue_sms_code(
    phone: str, purpose: str, *, ip: str, requester: str, user: LkUser | None = None, session: Session
) -> CodeIssue:
    """Send a fresh code to a normalized phone through the outbox, unless a limit says to wait.

    The code is bound to the `requester` (a nonce the asking tab keeps) and, for an existing LK, to its
    credential epoch: only that tab may try it, another tab's request leaves it alive, and a change of
    credentials ends it. The resend pause and the volume limits hold for the phone, whichever tab asks.

    The phone's counts are locked before its newest code is read, so of simultaneous requests one sends and
    the others see its code: the resend pause and the volume limits are checked and kept in one step.
    """
    counted = ((limits.SMS_PER_PHONE_HOUR, phone), (limits.SMS_PER_PHONE_DAY, phone), (limits.SMS_PER_IP, ip))
    limits.hold(counted, session=session)
    moment = now()
    newest = _latest(phone, purpose, None, session=session)
    if newest is not None and moment - newest.created_at < RESEND_AFTER:
        wait = RESEND_AFTER - (moment - newest.created_at)
        return CodeIssue(Issue.WAIT, max(1, int(wait.total_seconds() + 0.999)))
    wait = limits.admit(counted, session=session)
    if wait:
        return CodeIssue(Issue.LIMITED, wait)

    requester_hash = secret_hash(requester)
    previous = _latest(phone, purpose, requester_hash, session=session)
    inherited = 0
    if previous is not None and moment - previous.created_at < TRIES_MEMORY:
        inherited = previous.attempts
    _revoke_earlier(phone, purpose, requester_hash, session=session)
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(16)
    session.add(
        SmsCode(
            phone=phone,
            purpose=purpose,
            salt=salt,
            code_hash=_code_hash(salt, code),
            created_at=moment,
            expires_at=moment + CODE_TTL,
            attempts=inherited,
            user_id=user.id if user is not None else None,
            epoch=user.credential_epoch if user is not None else None,
            requester_hash=requester_hash,
        )
    )
    queue_sms(session=session, to=phone, text=render_sms("sms_code", code=code))
    return CodeIssue(Issue.SENT, int(RESEND_AFTER.total_seconds()))


def _revoke_earlier(phone: str, purpose: str, requester_hash: str, *, session: Session) -> None:
    """Kill the live codes the tab asked for before: its newest code is the only one it may try."""
    session.exec(
        update(SmsCode)
        .where(SmsCode.phone == phone, SmsCode.purpose == purpose, SmsCode.requester_hash == requester_hash,
               col(SmsCode.revoked_at).is_(None))
        .values(revoked_at=now())
    )


def check_sms_code(phone: str, purpose: str, code: str, *, requester: str, session: Session) -> CodeCheck:
    """Judge a typed code against the newest one sent; every try is counted before it is compared.

    A right code gives its try back, so the customer may present a verified code again (the form
    that spends it may be refused for another field) while wrong guesses stay capped at MAX_TRIES.
    Only the tab that asked for the code may try it: anyone else's guess finds no code and burns nothing.
    """
    row = _latest(phone, purpose, secret_hash(requester), session=session)
    if row is None or row.revoked_at is not None or row.used_at is not None:
        return CodeCheck(Check.NONE)
    if not _of_current_epoch(row, session=session):
        return CodeCheck(Check.NONE)
    if row.verified_at is None and row.expires_at <= now():
        return CodeCheck(Check.EXPIRED)
    # Claim a try atomically: of many simultaneous guesses only MAX_TRIES get as far as a comparison.
    claimed = session.exec(
        update(SmsCode)
        .where(SmsCode.id == row.id, SmsCode.attempts < MAX_TRIES)
        .values(attempts=SmsCode.attempts + 1)
        .returning(SmsCode.attempts)
    ).first()
    if claimed is None:
        return CodeCheck(Check.EXHAUSTED)
    typed = "".join(code.split())[:6]
    if not hmac.compare_digest(_code_hash(row.salt, typed), row.code_hash):
        tries_left = MAX_TRIES - claimed[0]
        return CodeCheck(Check.WRONG if tries_left else Check.EXHAUSTED, tries_left=tries_left)
    session.exec(
        update(SmsCode)
        .where(SmsCode.id == row.id)
        .values(attempts=SmsCode.attempts - 1, verified_at=func.coalesce(SmsCode.verified_at, now()))
    )
    return CodeCheck(Check.OK, row.id)


def _of_current_epoch(row: SmsCode, *, session: Session) -> bool:
    """Whether a code sent for an LK was sent in its current credential epoch (codes for no LK yet always are)."""
    if row.user_id is None:
        return True
    return session.exec(select(LkUser.credential_epoch).where(LkUser.id == row.user_id)).one() == row.epoch


def use_phone_proof(code_id: int, phone: str, purpose: str, *, session: Session) -> bool:
    """Spend a verified code as the proof that the customer holds the phone; once only, while it is fresh."""
    spent = session.exec(
        update(SmsCode)
        .where(
            SmsCode.id == code_id,
            SmsCode.phone == phone,
            SmsCode.purpose == purpose,
            col(SmsCode.verified_at) > now() - PROOF_TTL,
            col(SmsCode.used_at).is_(None),
            col(SmsCode.revoked_at).is_(None),
        )
        .values(used_at=now())
    )
    return spent.rowcount == 1
