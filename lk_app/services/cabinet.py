"""What the cabinet shows of an LK, read in one transaction: its accounts and the chosen account's page.

At month's end every customer opens the cabinet: one transaction instead of one per section saves the
database a connection check, a BEGIN and a COMMIT per section, and the sections agree with each other.
"""

from dataclasses import dataclass, field

from sqlmodel import Session

from lk_app.services.accounts import AccountCard, CabinetAccounts, account_card, cabinet_accounts
from lk_app.services.ebills import BillLine, account_bills
from lk_app.services.history import AccountHistory, account_history
from lk_app.services.readings import ReadingsForm, readings_form


@dataclass(frozen=True)
class AccountPage:
    """The chosen account's sections; all empty when there is no account or it is not the LK's own."""

    card: AccountCard | None = None
    history: AccountHistory | None = None
    readings: ReadingsForm | None = None
    bills: list[BillLine] = field(default_factory=list)


@dataclass(frozen=True)
class CabinetView:
    """The LK's accounts and the page of the one it opens on."""

    accounts: CabinetAccounts
    page: AccountPage


def account_page(user_id: int, number: str, *, session: Session) -> AccountPage:
    """Card, history, readings and bills of one of the LK's own accounts."""
    if not number:
        return AccountPage()
    return AccountPage(
        card=account_card(user_id, number, session=session),
        history=account_history(user_id, number, session=session),
        readings=readings_form(user_id, number, session=session),
        bills=account_bills(user_id, number, session=session),
    )


def cabinet_view(user_id: int, *, session: Session) -> CabinetView:
    """The LK's accounts and the page of the remembered (else the first) one."""
    accounts = cabinet_accounts(user_id, session=session)
    return CabinetView(accounts, account_page(user_id, accounts.chosen, session=session))
