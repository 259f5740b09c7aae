"""The HTTP load test run by `make loadtest` (loadtest/run.py; README "Load test")."""
