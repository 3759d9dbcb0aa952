# kisbot: `docker run -e KISBOT_TELEGRAM_TOKEN=... -v kisbot-data:/data kisbot`
# (webhook mode: add -e KISBOT_WEBHOOK_URL=https://... -p 8443:8443 behind a TLS proxy)
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KISBOT_DATA_DIR=/data

RUN useradd --create-home --uid 10001 kisbot \
    && mkdir -p /data && chown kisbot:kisbot /data
WORKDIR /app

# Dependencies first, in their own layer, so a source change does not reinstall them.
COPY pyproject.toml README.md LICENSE ./
RUN mkdir -p kisbot handlers alembic \
    && touch kisbot/__init__.py handlers/__init__.py \
    && pip install ".[postgres]" \
    && pip uninstall -y kisbot

COPY alembic.ini ./
COPY alembic ./alembic
COPY kisbot ./kisbot
COPY handlers ./handlers
RUN pip install --no-deps . && rm -rf /app/build

USER kisbot
VOLUME ["/data"]
# The webhook server's port (KISBOT_WEBHOOK_LISTEN's default, 0.0.0.0:8443), used only when
# KISBOT_WEBHOOK_URL is set; it speaks plain HTTP, so TLS ends at a proxy in front of it.
EXPOSE 8443
# Polling: Telegram answered a poll within 2 minutes (a heartbeat file in /data). Webhook: the
# webhook server answers HTTP. Exit 0 or 1; `docker inspect` shows the reason.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["kisbot", "health"]
ENTRYPOINT ["kisbot"]
CMD ["run"]
