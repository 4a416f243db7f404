"""Billing data from the supplier: CSV import, demo data and the normal forms of numbers and surnames."""
