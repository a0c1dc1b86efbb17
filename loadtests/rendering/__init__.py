"""The render benchmark's parts (entry point: loadtests/bench_render.py).

overhead: Part A, `render` against bare libvips; cache_hit: Part B, imgedge against a bare
app on one cached variant; servers: the server subprocesses of Part B; loadgen: its load
generator, run as a second process.
"""
