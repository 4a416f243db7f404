"""`/settings`: the LK's billing accounts, then its profile."""

import reflex as rx

from lk_app.components.layout import customer_menu, page
from lk_app.pages.account_settings import account_settings
from lk_app.pages.profile_settings import profile_settings
from lk_app.state.accounts import AccountsState
from lk_app.state.profile import ProfileState


def settings_page() -> rx.Component:
    """Every setting of the LK, section by section."""
    return page("Настройки", account_settings(), rx.divider(), profile_settings(), menu=customer_menu(), width="640px",
                on_visit=[AccountsState.start, ProfileState.start])
