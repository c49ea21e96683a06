"""Staff accounts: who may log in to manage the shop."""
