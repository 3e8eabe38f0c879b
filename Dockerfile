# scalebot: runs every platform whose credentials are set (`scalebot run all`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SCALEBOT_DB=/data/scalebot.db \
    SCALEBOT_WEB_HOST=0.0.0.0 \
    SCALEBOT_METRICS_PORT=9100 \
    SCALEBOT_METRICS_HOST=0.0.0.0

WORKDIR /app
# Dependencies from the hashed runtime lock alone: pip refuses any package not pinned
# there or whose file's sha256 differs (pip and setuptools included). This layer is
# rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY knowledge ./knowledge
# Then the project alone, built by the locked setuptools; `pip check` fails the build
# if the lock lacks anything the project needs.
RUN pip install --no-cache-dir --no-deps --no-build-isolation . \
    && pip check \
    && useradd --create-home --uid 10001 scalebot \
    && mkdir -p /data \
    && chown scalebot:scalebot /data

USER 10001
VOLUME ["/data"]
# Slack's HTTP transport listens here (SCALEBOT_SLACK_PORT).
EXPOSE 3000
# The read-only web view (Datasette), served when SCALEBOT_WEB_PORT is set (8001 here).
EXPOSE 8001
# /health and /metrics (Prometheus) of `scalebot run` (SCALEBOT_METRICS_PORT).
EXPOSE 9100
# Unhealthy when a platform is lost (Slack not listening or not connected, Discord's
# gateway closed) or the database file does not answer a read: `scalebot health`, run
# as `python -m bot.healthcli`, which loads the settings and not the whole CLI.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot.healthcli"]
ENTRYPOINT ["scalebot"]
CMD ["run", "all"]
