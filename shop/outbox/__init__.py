"""Email leaves the shop through an outbox table.

Use cases write the message in their own transaction (so an email exists exactly when
the change that caused it committed); a worker step sends it over SMTP later.
"""
