"""Outgoing messages: templates, the outbox, senders for each provider and the dispatcher."""
