"""What LK's dialogs share: the focus goes back to where it was once they close."""

import reflex as rx
from reflex.vars import FunctionVar

# Radix gives the focus back to a dialog's Trigger when it closes. LK's dialogs open from the state (a button's
# event, a visit to the cabinet), so they have none and the focus fell to the page: the dialog remembers the control
# that had the focus as it opened and gives it back. One dialog is open at a time, so one place to remember is enough.
RETURN_FOCUS = {
    "on_open_auto_focus": rx.Var("() => { window.lkDialogOpener = document.activeElement; }").to(FunctionVar),
    "on_close_auto_focus": rx.Var("() => { window.lkDialogOpener?.focus(); }").to(FunctionVar),
}
