# One image for every newswatch process: `newswatch run` workers and `newswatch serve`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY worker ./worker
COPY config ./config
RUN pip install ".[apprise]" && useradd --system --home /app newswatch
USER newswatch

CMD ["newswatch", "run"]
