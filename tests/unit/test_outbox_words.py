"""`/dev/outbox` names every channel, e-mail template and status in Russian."""

from lk_app.messaging.outbox import EMAIL, SMS
from lk_app.messaging.templates import TEMPLATE_DIR
from lk_app.models import outbox
from lk_app.texts.demo import CHANNEL_LABELS, KIND_LABELS, STATUS_COLORS, STATUS_LABELS


def test_every_email_template_and_channel_has_a_name():
    templates = {path.stem for path in TEMPLATE_DIR.glob("*.html") if not path.stem.startswith("_")}
    assert templates and set(KIND_LABELS) == templates
    assert set(CHANNEL_LABELS) == {EMAIL, SMS}


def test_every_status_the_outbox_knows_has_a_word_and_a_colour():
    statuses = {value for name, value in vars(outbox).items() if name.startswith("OUTBOX_")}
    assert len(statuses) == 4
    assert set(STATUS_LABELS) == statuses == set(STATUS_COLORS)
