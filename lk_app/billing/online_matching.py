"""Imported payments matched with the payments made in LK: once billing has one, it counts there and only there."""

from collections.abc import Collection

from sqlmodel import Session, col, select

from lk_app.models import OnlinePayment, Payment
from lk_app.models.payments import SUCCEEDED


def match_online_payments(account_ids: Collection[int], *, session: Session) -> int:
    """Match the accounts' succeeded LK payments that billing has not brought yet; returns how many it matched.

    The acquirer's id that billing sends back (`external_id`) names the payment exactly. Without it the same
    account, day (in LK_TIMEZONE) and amount do, each imported payment taken by one LK payment at most.
    """
    if not account_ids:
        return 0
    waiting = session.exec(
        select(OnlinePayment)
        .where(col(OnlinePayment.account_id).in_(account_ids), OnlinePayment.status == SUCCEEDED,
               col(OnlinePayment.payment_id).is_(None))
        .order_by(OnlinePayment.paid_at, OnlinePayment.id)
    ).all()
    matched = 0
    for online in waiting:
        taken = select(OnlinePayment.payment_id).where(col(OnlinePayment.payment_id).is_not(None))
        candidates = select(Payment.id).where(Payment.account_id == online.account_id, col(Payment.id).not_in(taken))
        payment_id = session.exec(candidates.where(Payment.external_id == online.acquirer_id)).first()
        if payment_id is None:
            payment_id = session.exec(
                candidates.where(Payment.paid_on == online.paid_on, Payment.amount_kop == online.amount_kop,
                                 col(Payment.external_id).is_(None))
                .order_by(Payment.seq)
            ).first()
        if payment_id is not None:
            online.payment_id = payment_id
            session.add(online)
            session.flush()
            matched += 1
    return matched
