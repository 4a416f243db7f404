"""Reusable UI pieces: the page frame and form fields; no database access."""
