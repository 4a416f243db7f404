"""Logs: secrets in logged URLs are masked before any handler writes them; JSON lines when asked."""

import logging

from lk_app.logs import JsonLines, MaskSecrets, mask_secrets


def test_tokens_grants_and_codes_are_masked_and_the_rest_kept():
    line = 'GET /reset?token=AbC-123_x&next=/cabinet HTTP/1.1 /auth/session?grant=zzz code=123456'
    assert mask_secrets(line) == "GET /reset?token=***&next=/cabinet HTTP/1.1 /auth/session?grant=*** code=***"


def test_the_filter_masks_a_record_formatted_with_arguments():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/auth/session?grant=secret-grant", "1.1", 303), None)
    assert MaskSecrets().filter(record)
    assert record.args[2] == "/auth/session?grant=***" and record.args[4] == 303  # the shape uvicorn formats by
    assert "secret-grant" not in record.getMessage()
    assert "/auth/session?grant=*** HTTP/1.1" in record.getMessage()


def test_json_lines_carry_time_level_logger_and_the_masked_message():
    import json

    record = logging.LogRecord("lk_app.worker", logging.WARNING, __file__, 1, "sent %s to /reset?token=%s", ("mail", "abc"), None)
    entry = json.loads(JsonLines().format(record))
    assert (entry["level"], entry["logger"], entry["message"]) == ("WARNING", "lk_app.worker", "sent mail to /reset?token=***")
    assert entry["time"].endswith("+00:00")
