"""Web Push: VAPID keys and the sender that hands one encrypted message to a push service."""
