"""An e-mail address an LK is about to take: its normal form, and the cap of accounts per address, checked once."""

import enum

from sqlmodel import Session

from lk_app.models import LkUser
from lk_app.normal_forms import normalize_email
from lk_app.services.accounts import accounts_after_email_change, accounts_per_email, hold_accounts_of_email
from lk_app.settings import get_settings


class EmailRefusal(enum.Enum):
    """Why an address cannot become an LK's."""

    MALFORMED = "malformed"
    CURRENT = "current"  # the LK has this address already
    OVER_CAP = "over_cap"  # the LKs of this address would hold more than LK_MAX_ACCOUNTS_PER_EMAIL accounts


def new_email(typed: str, *, user: LkUser | None, hold: bool = True, session: Session) -> str | EmailRefusal:
    """The address in normal form, or why `user` (a new LK with one account, when None) may not take it.

    With `hold` the address's lock is taken first, so the cap checked here holds until the caller's transaction
    ends; registration checks without it (its bcrypt must not run under the lock) and again, held, when it adds.
    """
    email = normalize_email(typed)
    if email is None:
        return EmailRefusal.MALFORMED
    if user is not None and email == user.email:
        return EmailRefusal.CURRENT
    if hold:
        hold_accounts_of_email(email, session=session)
    if user is None:
        held = accounts_per_email(email, session=session) + 1
    else:
        held = accounts_after_email_change(user.id, email, session=session)
    return EmailRefusal.OVER_CAP if held > get_settings().max_accounts_per_email else email
