"""Helpers shared by tests of every package: reading HTML as a browser would, Stripe's
signing and events, a shopper's steps, fresh reads of the database, and real servers on
loopback (the shop, SMTP, a failing Stripe)."""
