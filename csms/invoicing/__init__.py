"""Contracts' monthly invoices and their payment by card (seed 003, 001): qualified invoices
issued at each JST month end, corrections, payment links with the 20th as expiry, the card on
file, and unpaid amounts carried into the next month (docs/contracts.md)."""
