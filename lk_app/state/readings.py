"""The «Передать показания» section of the cabinet: the chosen account's meters and this month's submission."""

import dataclasses

import reflex as rx

from lk_app.services.readings import ReadingsForm, readings_form, submit_readings
from lk_app.state.session import SessionState
from lk_app.state.threads import in_transaction
from lk_app.texts.cabinet import field_messages, reading_label, sent_note, submission_message, window_note

MAX_READING_LENGTH = 20


@dataclasses.dataclass
class ReadingField:
    """One input of the form: its slot in words, with what was typed and its refusal."""

    key: str = ""
    label: str = ""
    last: str = ""
    value: str = ""
    error: str = ""


class ReadingsState(rx.State):
    """The readings form of the account the cabinet shows; the account is the server's, never the browser's."""

    window_open: bool = False
    window_note: str = ""
    sent_note: str = ""
    fields: list[ReadingField] = []
    message: str = ""
    accepted: bool = False
    jump_question: str = ""
    form_key: int = 0  # a new key empties the inputs the browser holds
    _number: str = ""
    _shown: tuple = ()  # the account and readings the inputs were last filled from

    @rx.event
    def start(self):
        """A visit to the cabinet starts without the last submission's answer."""
        self._forget_answer()

    def _forget_answer(self) -> None:
        self.message, self.accepted, self.jump_question = "", False, ""

    def _show_form(self, number: str, form: ReadingsForm | None) -> None:
        """Show the form of `number`, as the readings service gave it (None: not the LK's own, or no account).

        The same account shown again (a reconnect reloads the cabinet) keeps the answer to its last submission.
        """
        number = number if form is not None else ""
        if number != self._number:
            self._forget_answer()
        self._number = number
        shown = (number, tuple((slot.key, slot.last, slot.current) for slot in form.slots) if form else ())
        # Only another account or readings accepted since empty what was typed: the cabinet reloads on every
        # reconnect, and a customer gone to read the meter must find the figures still there.
        if shown != self._shown:
            self._shown = shown
            self.form_key += 1
        if form is None:
            self.window_open, self.window_note, self.sent_note, self.fields = False, "", "", []
            return
        self.window_open, self.window_note = form.open, window_note(form.window, form.today)
        self.sent_note = sent_note(form)
        self.fields = [ReadingField(slot.key, reading_label(slot), slot.last, slot.current) for slot in form.slots]

    @rx.event
    async def submit(self, form_data: dict):
        """Send this month's readings; refusals stay next to their fields, with what was typed."""
        user = await (await self.get_state(SessionState))._current_user()
        if user is None:
            return await (await self.get_state(SessionState))._turn_away()
        if not self._number:
            return None
        typed = {f.key: str(form_data.get(f.key, ""))[:MAX_READING_LENGTH] for f in self.fields}
        confirm_jump = bool(self.jump_question) and form_data.get("confirm_jump") in ("on", True, "true")
        number = self._number
        outcome = await in_transaction(
            lambda session: submit_readings(user.user_id, number, typed, confirm_jump=confirm_jump, session=session)
        )
        message = submission_message(outcome)
        if outcome.accepted:
            self._show_form(number, await in_transaction(lambda session: readings_form(user.user_id, number, session=session)))
            # A jump warned about before is answered: its question and «Да, показания верны» go with it.
            self.message, self.accepted, self.jump_question = message, True, ""
            return None
        errors = field_messages(outcome)
        self.fields = [dataclasses.replace(f, value=typed[f.key], error=errors.get(f.key, "")) for f in self.fields]
        self.accepted = False
        self.jump_question = message if outcome.jump else ""
        self.message = "" if outcome.jump else message
        return None
