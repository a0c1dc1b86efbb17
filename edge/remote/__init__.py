"""Fetching a store's remote image (`image_url`) without server-side request forgery.

Two independent gates:

* `urls.check_url` (pure): http(s) only, no userinfo, host exactly on the allowlist. Runs on
  the first URL and on every redirect target.
* `transport.GuardedBackend` (at connect time): the host is resolved there, every address
  must pass `address_allowed` (by default `addresses.address_is_public`), and the socket is
  opened to the checked IP literal, so DNS cannot answer differently between the check and
  the connection (rebinding).

`fetch.fetch_image` follows redirects through both gates, streams the body under a byte
limit and runs the whole fetch under one deadline. Failures raise
`errors.RemoteFetchError`.
"""
