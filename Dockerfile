# imgedge edge process. libvips ships inside the pyvips[binary] wheel: no system packages.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    IMGEDGE_HOST=0.0.0.0 IMGEDGE_PORT=8080
COPY pyproject.toml README.md ./
COPY config ./config
COPY catalog ./catalog
COPY edge ./edge
COPY matcher ./matcher
RUN pip install --no-cache-dir . && useradd --system --home /app imgedge \
    && mkdir -p /app/var && chown imgedge /app/var
USER imgedge
EXPOSE 8080
HEALTHCHECK CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"IMGEDGE_PORT\"]}/healthz')"
CMD ["imgedge", "serve"]
