"""Checkout: from a cart to a pending order and a Stripe Checkout Session, and back."""
