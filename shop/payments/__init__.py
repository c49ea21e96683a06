"""Stripe: gateway.py is the one module that talks to it. What Stripe tells us back
(webhooks) is heard in shop/checkout/, which decides what each event means."""
