"""/metrics: the shop's Prometheus metrics, closed to the public."""
