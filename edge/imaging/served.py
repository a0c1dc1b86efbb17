"""What answering one image request cost, filled in as it is answered.

The `/img` handler makes one per request (or takes the one the request middleware put
in the scope, `edge/http/observe.py`), `Variants.get` fills in where the bytes came from;
the access log, the metrics and `Server-Timing` read it afterwards. A few plain fields,
not a context that parts of the pipeline talk through.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Served:
    size: str = ""  # the size asked for, as a label: `small`, `large@2x`, a preset
    fmt: str = ""  # the format answered: avif, webp, jpeg, png
    tier: str = ""  # where the bytes came from: memory, disk, redis or render
    resolve_s: float = 0.0  # product → image
    cache_s: float = 0.0  # asking the cache tiers
    render_s: float = 0.0  # rendering (or waiting for the render another request started)

    def server_timing(self) -> str:
        """The `Server-Timing` value (milliseconds); `render` only when one was waited for."""
        timing = f"resolve;dur={self.resolve_s * 1e3:.2f}, cache;dur={self.cache_s * 1e3:.2f}"
        if self.tier == "render":
            timing += f", render;dur={self.render_s * 1e3:.2f}"
        return timing
