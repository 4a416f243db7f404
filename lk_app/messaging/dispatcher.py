"""The dispatcher: claims due outbox rows, sends them outside any transaction and records the outcome."""

import logging
import random
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, null, or_, update
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from lk_app import clock, db
from lk_app.messaging.senders import PermanentSendError, Sender, TransientSendError, senders_from_settings
from lk_app.models import OutboxAttachment, OutboxMessage
from lk_app.models.outbox import OUTBOX_ABANDONED, OUTBOX_PENDING, OUTBOX_SENDING, OUTBOX_SENT
from lk_app.settings import get_settings

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0
ERROR_PAUSE_SECONDS = 5.0
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_CAP_SECONDS = 15 * 60.0
STOP_TIMEOUT_SECONDS = 30.0
_LAST_ERROR_LENGTH = 500  # the column's size


@dataclass(frozen=True)
class Chore:
    """Work the dispatcher's loop does besides sending, every `every_seconds` (a payment reconciliation)."""

    name: str
    every_seconds: float
    run: Callable[[], object]


def retry_delay(failures: int) -> timedelta:
    """Capped exponential backoff with jitter: about 5 s, 10 s, 20 s … up to 15 min, each ×0.5–1.5."""
    base = min(BACKOFF_BASE_SECONDS * 2 ** (failures - 1), BACKOFF_CAP_SECONDS)
    # Jitter spreads the retries of a burst that failed together, so they do not hit the provider together.
    return timedelta(seconds=base * random.uniform(0.5, 1.5))


# The order due messages go in, which ix_outbox_due follows: what someone waits for before a mass mailing's, then
# the oldest first.
_ORDER = (col(OutboxMessage.bulk), col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))


def _pending_due(channel: str, now: datetime) -> ColumnElement[bool]:
    """A channel's pending rows whose time has come."""
    return and_(
        col(OutboxMessage.channel) == channel,
        col(OutboxMessage.status) == OUTBOX_PENDING,
        # A message never tried is due once committed, whatever the clock of the host that wrote it;
        # next_attempt_at schedules retries.
        or_(col(OutboxMessage.attempts) == 0, col(OutboxMessage.next_attempt_at) <= now),
    )


def _lease_run_out(channels: tuple[str, ...], now: datetime) -> ColumnElement[bool]:
    """Rows left in `sending` by a dispatcher whose lease ran out (it stopped mid-batch): few, and sent first."""
    return and_(
        col(OutboxMessage.channel).in_(channels),
        col(OutboxMessage.status) == OUTBOX_SENDING,
        col(OutboxMessage.claimed_until) < now,
    )


def _due_in_order(channels: tuple[str, ...], now: datetime) -> list[ColumnElement[bool]]:
    """The rows to claim in the order they go, each part a range of ix_outbox_due walked in `_ORDER`: rows whose
    lease ran out, then each channel's pending ones (a channel at a time: the index orders rows within one)."""
    return [_lease_run_out(channels, now), *(_pending_due(channel, now) for channel in channels)]


class Dispatcher:
    """Sends the due outbox messages of every channel that has a sender; several may run at once."""

    def __init__(
        self,
        senders: Mapping[str, Sender],
        *,
        max_attempts: int,
        batch_size: int = 20,
        lease_seconds: float = 60,
    ) -> None:
        if max_attempts < 1 or batch_size < 1 or lease_seconds <= 0:
            raise ValueError("max_attempts and batch_size must be at least 1, lease_seconds positive")
        self._senders = dict(senders)
        self._max_attempts = max_attempts
        self._batch_size = batch_size
        self._lease = timedelta(seconds=lease_seconds)
        # Per channel: the provider's rate limit lets requests in again only then.
        self._resume_at: dict[str, datetime] = {}

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels this dispatcher sends; messages of other channels stay in the outbox."""
        return tuple(sorted(self._senders))

    def dispatch_once(self) -> int:
        """Claim a batch of due messages and send each; returns how many got a send attempt."""
        channels = self._open_channels()
        if not channels:
            return 0
        lease = clock.now() + self._lease
        batch = self._claim(channels, lease)
        # A send may take up to the provider's timeout: start one only while half the lease is left, so a
        # slow batch never runs past its lease into a row another dispatcher has since claimed.
        start_sends_before = lease - self._lease / 2
        sent, unsent = 0, []
        for message in batch:
            # Under a rate limit the rest of the batch would only meet it again, each answer costing an attempt.
            if clock.now() >= start_sends_before or message.channel not in self._open_channels():
                unsent.append(message)
                continue
            self._deliver(message, lease)
            sent += 1
        if unsent:
            self._release(unsent, lease)
        return sent

    def _open_channels(self) -> tuple[str, ...]:
        """The channels whose provider takes requests now: not under a rate limit that has yet to reset."""
        now = clock.now()
        return tuple(channel for channel in self.channels if self._resume_at.get(channel, now) <= now)

    def _claim(self, channels: tuple[str, ...], lease: datetime) -> list[OutboxMessage]:
        """Mark a batch of due rows `sending` until `lease`, in one short transaction that no other can share.

        The rows come with their attachments: the sender reads them after this transaction has ended.
        """
        now = clock.now()
        with db.session_scope() as session:
            if session.get_bind().dialect.name == "postgresql":
                rows = self._first_due(session, channels, now, lambda due: (
                    select(OutboxMessage)
                    .where(due)
                    .with_for_update(skip_locked=True)
                    .options(selectinload(OutboxMessage.attachments))
                ))
                for row in rows:
                    row.status, row.claimed_until = OUTBOX_SENDING, lease
                    session.add(row)
                return rows
            return self._claim_by_conditional_update(session, channels, now, lease)

    def _first_due(self, session: Session, channels: tuple[str, ...], now: datetime,
                   query: Callable[[ColumnElement[bool]], Select]) -> list:
        """Up to a batch of `query`'s rows for each part of `_due_in_order` in turn, until the batch is full."""
        found = []
        for due in _due_in_order(channels, now):
            found += session.exec(query(due).order_by(*_ORDER).limit(self._batch_size - len(found))).all()
            if len(found) == self._batch_size:
                break
        return found

    def _claim_by_conditional_update(
        self, session: Session, channels: tuple[str, ...], now: datetime, lease: datetime
    ) -> list[OutboxMessage]:
        """Claim on databases without SKIP LOCKED: an UPDATE per row that only matches while it is still due."""
        candidates = self._first_due(session, channels, now, lambda due: select(OutboxMessage.id).where(due))
        still_due = or_(*_due_in_order(channels, now))
        claimed = []
        for message_id in candidates:
            result = session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == message_id, still_due)
                .values(status=OUTBOX_SENDING, claimed_until=lease)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                claimed.append(message_id)
        if not claimed:
            return []
        rows = session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.id).in_(claimed))
            .order_by(*_ORDER)
            .options(selectinload(OutboxMessage.attachments))
        ).all()
        return list(rows)

    def _deliver(self, message: OutboxMessage, lease: datetime) -> None:
        """Send one claimed message and record what became of it."""
        attempt = message.attempts + 1
        try:
            provider_message_id = self._senders[message.channel].send(message)
        except PermanentSendError as error:
            logger.error("outbox message %s abandoned: refused at attempt %s: %s", message.id, attempt, error)
            self._record(message, lease, status=OUTBOX_ABANDONED, attempts=attempt, last_error=str(error))
        except TransientSendError as error:
            if error.retry_at is not None:
                self._resume_at[message.channel] = error.retry_at
                logger.warning("%s provider rate-limited: nothing more goes to it before %s", message.channel,
                               error.retry_at)
            self._retry_or_abandon(message, lease, attempt, str(error), not_before=error.retry_at)
        except Exception as error:  # noqa: BLE001 - a backend's bug must not leave the row stuck in `sending`
            logger.exception("outbox message %s: the %s sender failed unexpectedly", message.id, message.channel)
            self._retry_or_abandon(message, lease, attempt, repr(error))
        else:
            logger.info("outbox message %s sent at attempt %s", message.id, attempt)
            self._record(
                message,
                lease,
                status=OUTBOX_SENT,
                attempts=attempt,
                sent_at=clock.now(),
                provider_message_id=provider_message_id,
                claimed_until=None,
            )

    def _retry_or_abandon(
        self, message: OutboxMessage, lease: datetime, attempt: int, error: str, not_before: datetime | None = None
    ) -> None:
        """After a failure worth retrying: back to `pending` with a backoff (not before `not_before`), or abandoned
        after the last try."""
        if attempt >= self._max_attempts:
            logger.error("outbox message %s abandoned after %s attempts: %s", message.id, attempt, error)
            self._record(message, lease, status=OUTBOX_ABANDONED, attempts=attempt, last_error=error)
            return
        retry_at = clock.now() + retry_delay(attempt)
        if not_before is not None:
            retry_at = max(retry_at, not_before)
        logger.warning("outbox message %s: attempt %s failed, next at %s: %s", message.id, attempt, retry_at, error)
        self._record(
            message,
            lease,
            status=OUTBOX_PENDING,
            attempts=attempt,
            next_attempt_at=retry_at,
            claimed_until=None,
            last_error=error,
        )

    def _record(self, message: OutboxMessage, lease: datetime, **values) -> None:
        """Write an outcome, only while this dispatcher still holds the row's lease; a sent message's files go, and
        a finished message's link or code with them."""
        if "last_error" in values:
            values["last_error"] = values["last_error"][:_LAST_ERROR_LENGTH]
        if values["status"] in (OUTBOX_SENT, OUTBOX_ABANDONED) and message.carries_secret:
            # The provider has it, or never will: a copy here would only be a live link or code to steal. Kind,
            # recipient, subject, times and status stay for the operator.
            values.update(body_text="", body_html=None, headers=null(), redacted_at=clock.now())
        with db.session_scope() as session:
            result = session.exec(self._held(update(OutboxMessage), message.id, lease).values(**values))
            if result.rowcount == 1 and values["status"] == OUTBOX_SENT and message.attachments:
                # Sent, the bytes have no further use; the outbox is not an archive (a bill can be rebuilt).
                session.exec(delete(OutboxAttachment).where(col(OutboxAttachment.message_id) == message.id))
        if result.rowcount != 1:
            logger.warning(
                "outbox message %s: lease lost before its outcome %r was recorded", message.id, values["status"]
            )

    def _release(self, messages: Sequence[OutboxMessage], lease: datetime) -> None:
        """Hand unsent claimed rows back at once, without counting an attempt."""
        with db.session_scope() as session:
            for message in messages:
                session.exec(
                    self._held(update(OutboxMessage), message.id, lease).values(status=OUTBOX_PENDING, claimed_until=None)
                )
        logger.info("released %s claimed outbox messages unsent: the batch ran past half its lease or met a rate limit",
                    len(messages))

    @staticmethod
    def _held(statement, message_id: int, lease: datetime):
        """Restrict an UPDATE to the row as this dispatcher claimed it."""
        return statement.where(
            col(OutboxMessage.id) == message_id,
            col(OutboxMessage.status) == OUTBOX_SENDING,
            col(OutboxMessage.claimed_until) == lease,
        ).execution_options(synchronize_session=False)


def _run_chores(chores: Sequence[Chore], due: dict[str, float]) -> None:
    """Run each chore whose time has come; a failed one is logged and tried again at its next time."""
    for chore in chores:
        if time.monotonic() >= due.get(chore.name, 0.0):
            due[chore.name] = time.monotonic() + chore.every_seconds
            try:
                chore.run()
            except Exception:  # noqa: BLE001 - an outage of the chore's service must not end the loop
                logger.exception("%s failed; trying again in %s s", chore.name, chore.every_seconds)


def _serve(dispatcher: Dispatcher, stop: threading.Event, chores: Sequence[Chore] = ()) -> None:
    """Dispatch until `stop` is set: at once while there is work, every POLL_SECONDS when idle; chores on their times."""
    due: dict[str, float] = {}
    while not stop.is_set():
        _run_chores(chores, due)
        try:
            handled = dispatcher.dispatch_once()
        except Exception:  # noqa: BLE001 - a database outage must not end the loop; it is logged and retried
            logger.exception("outbox dispatch failed; trying again in %s s", ERROR_PAUSE_SECONDS)
            stop.wait(ERROR_PAUSE_SECONDS)
            continue
        if not handled:
            stop.wait(POLL_SECONDS)


def _dispatcher_from_settings() -> Dispatcher:
    settings = get_settings()
    return Dispatcher(senders_from_settings(settings), max_attempts=settings.dispatch_max_attempts)


def run_worker(once: bool = False, chores: Sequence[Chore] = ()) -> None:
    """The `worker` command: send the outbox and do the chores until Ctrl+C or SIGTERM; with `once`, only what is due
    now."""
    dispatcher = _dispatcher_from_settings()
    if dispatcher.channels:
        logger.info("outbox worker sending: %s", ", ".join(dispatcher.channels))
    else:
        logger.warning("no provider configured (LK_SENDGRID_API_KEY, LK_SMSAERO_*): messages stay in the outbox")
    if once:
        _run_chores(chores, {})
        total = 0
        while handled := dispatcher.dispatch_once():
            total += handled
        logger.info("outbox worker: %s messages handled", total)
        return
    stop = threading.Event()
    in_main_thread = threading.current_thread() is threading.main_thread()
    # Signal handlers can only be set from the main thread; elsewhere the caller owns shutdown.
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set()) if in_main_thread else None
    try:
        _serve(dispatcher, stop, chores)
    except KeyboardInterrupt:
        # A row interrupted mid-send stays `sending` until its lease runs out, then any dispatcher retries it.
        pass
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
    logger.info("outbox worker stopped")


class DispatcherThread(threading.Thread):
    """The dispatcher loop in a daemon thread of the app process."""

    def __init__(self, dispatcher: Dispatcher, chores: Sequence[Chore] = ()) -> None:
        super().__init__(name="lk-outbox-dispatcher", daemon=True)
        self._dispatcher = dispatcher
        self._chores = chores
        self._halt = threading.Event()

    def run(self) -> None:
        """Dispatch until stopped."""
        _serve(self._dispatcher, self._halt, self._chores)

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Ask the loop to end after the current send and wait for it (blocking: call it from a thread)."""
        self._halt.set()
        self.join(timeout)


def start_background_dispatcher(chores: Sequence[Chore] = ()) -> DispatcherThread | None:
    """Start sending the outbox and doing the chores from this process; None when there is neither to do."""
    dispatcher = _dispatcher_from_settings()
    if not dispatcher.channels and not chores:
        logger.info("no provider configured: the app keeps messages in the outbox")
        return None
    thread = DispatcherThread(dispatcher, chores)
    thread.start()
    logger.info("in-app outbox dispatcher started: %s", ", ".join((*dispatcher.channels, *(c.name for c in chores))))
    return thread
