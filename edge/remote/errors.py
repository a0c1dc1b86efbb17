"""`RemoteFetchError`: why a remote image could not be fetched.

It carries a short code and a one-line message that is safe to store and show to the store
(no internal addresses). `bad_url`, `host_not_allowed` and `address_not_public` are refusals
by policy; the other codes are failures of the remote host.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

FetchErrorCode: TypeAlias = Literal[
    "bad_url",
    "host_not_allowed",
    "address_not_public",
    "too_many_redirects",
    "http_status",
    "too_large",
    "timeout",
    "connect_failed",
    "transfer_failed",  # the connection broke or the server spoke broken HTTP mid-answer
]


class RemoteFetchError(Exception):
    def __init__(self, code: FetchErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code: FetchErrorCode = code
        self.message = message
