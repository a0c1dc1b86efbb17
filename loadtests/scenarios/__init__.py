"""Locust user classes of the marketplace load test (see `loadtests/locustfile.py`)."""
