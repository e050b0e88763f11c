"""Webhooks: co-ops and stewards register URLs that receive signed, retried event deliveries."""
