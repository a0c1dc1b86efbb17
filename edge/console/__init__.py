"""The curator console: server-rendered pages over the application layer."""
