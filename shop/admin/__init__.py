"""The staff area: orders (ship, refund, review) and shoppers' stories (publish, reject)."""
