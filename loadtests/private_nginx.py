"""A private nginx for tests (never the machine's own): `deploy/nginx/imgedge.conf` as the
operator would include it, its three `# EDIT` lines pointed at an edge process, a cache
directory and a free port, run in the foreground with every path under one directory."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from loadtests.processes import free_port, stop_process, wait_for_port

RECIPE = Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "imgedge.conf"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None
    )


def recipe_for(upstreams: Sequence[str], cache_dir: Path | str, listen: str) -> str:
    """The recipe with its `# EDIT` values replaced (each must be found exactly once):
    one `server` line per upstream (`host:port` and any parameters)."""
    text = RECIPE.read_text()
    edits = {
        "server 127.0.0.1:8080;": "\n    ".join(f"server {u};" for u in upstreams),
        "proxy_cache_path /var/cache/nginx/imgedge ": f"proxy_cache_path {cache_dir} ",
        "listen 80;": f"listen {listen};",
    }
    for old, new in edits.items():
        if text.count(old) != 1:
            raise ValueError(f"{RECIPE}: expected {old!r} once")
        text = text.replace(old, new)
    return text


class PrivateNginx:
    def __init__(self, root: Path, upstream: str | Sequence[str]) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.upstreams = [upstream] if isinstance(upstream, str) else list(upstream)
        self.proc: subprocess.Popen[bytes] | None = None

    def _write_config(self) -> Path:
        for sub in ("cache", "temp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        recipe = self.root / "imgedge.conf"
        recipe.write_text(recipe_for(self.upstreams, self.root / "cache", f"127.0.0.1:{self.port}"))
        temp = self.root / "temp"
        # As root, nginx would run its workers as `nobody`, who cannot enter pytest's
        # private temporary directory.
        user = "user root root;\n" if os.geteuid() == 0 else ""
        main = self.root / "nginx.conf"
        main.write_text(
            f"{user}worker_processes 1;\npid {self.root}/nginx.pid;\n"
            f"error_log {self.root}/error.log warn;\nevents {{ worker_connections 256; }}\n"
            "http {\n"
            f"  access_log {self.root}/access.log;\n"
            + "".join(f"  {kind}_temp_path {temp}/{kind};\n"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + f"  include {recipe};\n}}\n"
        )  # fmt: skip
        return main

    def start(self) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed")
        config = self._write_config()
        args = [binary, "-p", str(self.root), "-e", str(self.root / "error.log"), "-c", str(config)]
        checked = subprocess.run([*args, "-t"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t refused the recipe:\n{checked.stderr}")
        self.proc = subprocess.Popen(
            [*args, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(self.port, self.proc, what="nginx")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None
