"""The HTTP edge: /img serving, render pipeline, cache tiers, originals, API."""
