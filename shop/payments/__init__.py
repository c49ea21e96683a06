"""Stripe: the one place the shop talks to it (gateway.py), and the webhook that hears back."""
