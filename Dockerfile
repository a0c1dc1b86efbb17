# syntax=docker/dockerfile:1
# imgedge: one image for `serve`, `worker` and `migrate` (deploy/compose.yaml runs all three).
# libvips ships inside the pyvips-binary wheel: no system packages.
# tests/deploy/test_dockerfile.py checks the rules this file keeps (hadolint-style).

# python:3.12.12-slim-bookworm, pinned by its multi-platform index digest: a rebuild gets
# the same base until someone moves this line (with the tag, so it stays readable).
ARG PYTHON_IMAGE=python:3.12.12-slim-bookworm@sha256:593bd06efe90efa80dc4eee3948be7c0fde4134606dd40d8dd8dbcade98e669c

# --- dependencies: rebuilt only when requirements.lock changes -----------------------
FROM ${PYTHON_IMAGE} AS deps
# pip compiles the bytecode here, once: the runtime user cannot write into /opt/imgedge.
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/imgedge
COPY requirements.lock /tmp/requirements.lock
# Every distribution checked against the lock's hashes (pyvips is an sdist: pip builds it).
RUN /opt/imgedge/bin/pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock

# --- the code, as a wheel, its matcher compiled (setup.py: mypyc, README "Compiled matcher")
FROM deps AS wheel
# The compiler stays in this stage: the runtime image gets the built wheel alone, so the
# compiler's version never reaches it (Debian's security updates move it: not pinned).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml setup.py README.md LICENSE /src/
COPY deploy/packaging /src/deploy/packaging
COPY config /src/config
COPY catalog /src/catalog
COPY edge /src/edge
COPY matcher /src/matcher
RUN IMGEDGE_COMPILE=1 /opt/imgedge/bin/pip wheel --no-cache-dir --no-deps --wheel-dir /wheels /src

# --- runtime ------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/imgedge/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    IMGEDGE_HOST=0.0.0.0 IMGEDGE_PORT=8080
RUN groupadd --system --gid 10001 imgedge \
    && useradd --system --uid 10001 --gid imgedge --home-dir /app --shell /usr/sbin/nologin imgedge \
    && mkdir -p /app/var && chown imgedge:imgedge /app/var
COPY --from=deps /opt/imgedge /opt/imgedge
# The code alone: a code change rebuilds this small layer, never the dependencies.
RUN --mount=type=bind,from=wheel,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-deps /wheels/imgedge-*.whl
WORKDIR /app
# The defaults' relative paths (sqlite:///var/imgedge.db, file://var/cache,
# file://var/originals) land here: one volume for a single-host install. With PostgreSQL,
# Redis and S3 (deploy/compose.yaml) nothing is written to it.
VOLUME ["/app/var"]
USER 10001:10001
EXPOSE 8080
# /healthz answers once the app has started; the start period covers migrations and the
# originals check at start-up. `worker` and `migrate` replace or disable this check.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('IMGEDGE_PORT', '8080'), timeout=2)"]
CMD ["imgedge", "serve"]
