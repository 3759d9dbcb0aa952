# kisbot: `docker run -e KISBOT_TELEGRAM_TOKEN=... -v kisbot-data:/data kisbot`
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
ENTRYPOINT ["kisbot"]
CMD ["run"]
