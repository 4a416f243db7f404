"""Reflex states: thin layers that check input, call services in a thread and set what pages show."""
