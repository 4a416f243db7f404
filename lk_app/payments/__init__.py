"""The acquirer: YooKassa reached through its own SDK. It knows nothing of LK's tables, only payments and receipts."""
