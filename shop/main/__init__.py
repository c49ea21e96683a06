"""Pages that belong to no one domain: home, health check."""
