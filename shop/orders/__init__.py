"""Orders: what was bought, at what price, and each step of its life."""
