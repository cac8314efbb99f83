# Two images from one file (docker-compose.yml builds both):
#   docker build --target api -t moderation .            # API and workspace: slim, no torch
#   docker build --target worker -t moderation-worker .  # + detoxify on PyTorch's CPU build
# torch comes from TORCH_INDEX_URL, PyTorch's CPU wheel index by default: PyPI's torch for
# Linux pulls the multi-GB CUDA libraries. Pass --build-arg TORCH_INDEX_URL=... for a mirror
# (or https://download.pytorch.org/whl/cu128 for a GPU host).
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    MODERATION_INSTANCE_PATH=/var/lib/moderation \
    MODERATION_MIGRATIONS=/app/migrations
RUN useradd --system --home-dir /var/lib/moderation --create-home moderation \
    && mkdir -p /models && chown moderation /models
WORKDIR /app

# The package and the API's dependencies in /opt/venv; the final images copy only that.
FROM base AS api-packages
COPY pyproject.toml constraints.txt README.md ./
COPY moderation ./moderation
RUN python -m venv /opt/venv && pip install -c constraints.txt ".[server]"

# torch first, from the CPU index: the constraint torch==2.13.0 is then already met
# (2.13.0+cpu is 2.13.0), so the detoxify extra installs nothing from CUDA.
FROM api-packages AS worker-packages
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG WORKER_EXTRAS=server,detoxify
RUN pip install --index-url "${TORCH_INDEX_URL}" "torch==2.13.0" \
    && pip install -c constraints.txt ".[${WORKER_EXTRAS}]"

# Scoring, webhook delivery, mail and the retention purge; health: `moderation worker --check`.
FROM base AS worker
COPY --from=worker-packages /opt/venv /opt/venv
COPY migrations ./migrations
USER moderation
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s \
    CMD ["moderation", "worker", "--check"]
CMD ["moderation", "worker"]

# The API and the editors' workspace under gunicorn; the default target.
FROM base AS api
COPY --from=api-packages /opt/venv /opt/venv
COPY migrations ./migrations
USER moderation
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"]
CMD ["gunicorn", "-c", "python:moderation.gunicorn_config", "--bind", "0.0.0.0:8000", \
     "--workers", "4", "moderation:create_app()"]
