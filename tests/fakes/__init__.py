"""Fake provider servers on 127.0.0.1 that the tests point the real clients at."""
