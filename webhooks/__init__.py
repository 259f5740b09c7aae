"""Signed webhooks (Standard Webhooks): admins register endpoints; every committed event of the
kinds an endpoint chose is delivered to it from the event outbox, with retries and a log."""
