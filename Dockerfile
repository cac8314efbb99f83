# One image for the API and the worker. The worker needs the classifier:
#   docker build --build-arg EXTRAS=server,detoxify .
# (torch comes from PyPI; pass PIP_EXTRA_INDEX_URL for a CPU-only torch build.)
FROM python:3.11-slim

ARG EXTRAS=server
ARG PIP_EXTRA_INDEX_URL=""
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MODERATION_INSTANCE_PATH=/var/lib/moderation

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY moderation ./moderation
COPY migrations ./migrations
RUN pip install -c constraints.txt ".[${EXTRAS}]" \
    && useradd --system --home-dir /var/lib/moderation --create-home moderation \
    && mkdir -p /models && chown moderation /models
ENV MODERATION_MIGRATIONS=/app/migrations

USER moderation
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-", \
     "moderation:create_app()"]
