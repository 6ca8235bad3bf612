# syntax=docker/dockerfile:1
# The production image of the central system, and a separate image for its tests.
#
# Build (BuildKit, the default since Docker 23; the last stage, `runtime`, is the default
# target and the test stage is not built for it):
#   docker build -t csms .
# Tests (lint, types, import contracts, sizes, pytest; the same steps as ./dev test):
#   docker build --target test -t csms-test . && docker run --rm csms-test
# Run (OCPP 9000, operator API 8080, public visitor pages 8081; data in a named volume):
#   docker run -d --name csms -p 9000:9000 -p 8080:8080 -p 8081:8081 -v csms-data:/var/lib/csms csms
# The first admin key (the secret is printed once; the CLI reaches the same embedded
# database the running server uses):
#   docker exec csms csms api-key create --name first-admin --role admin
#
# Notes:
# * The process runs as uid/gid 10001 and the embedded PostgreSQL runs as that user too.
#   A named volume takes the image's ownership of /var/lib/csms; a bind mount must be
#   given to it first: chown 10001:10001 /srv/csms-data.
# * Tariffs are read from /etc/csms/tariffs (the repository's config/, copied in; the
#   wheel does not contain it). Use your own with -v "$PWD/tariffs:/etc/csms/tariffs:ro".
#   The CLI's file defaults still point into the source tree, so name the files:
#   docker exec csms csms meter load /etc/csms/meters.json
#   docker exec csms csms quote --tariffs-dir /etc/csms/tariffs --tariff ... (see --help)
# * An external database instead of the embedded one: -e CSMS_DATABASE_URL=postgresql://...
# * Shutdown waits up to CSMS_SHUTDOWN_GRACE_S (10 s) for stations; allow docker more than
#   its default 10 s: docker stop -t 30 csms (or docker run --stop-timeout 30).
# * Optional: docker run --init adds a minimal init as PID 1 to reap orphaned processes.

FROM python:3.11-slim AS base
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# The wheel of the project (csms and the simulators), nothing else.
FROM base AS builder
WORKDIR /src
COPY pyproject.toml README.md ./
COPY csms ./csms
COPY simulators ./simulators
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# The whole source tree with the test dependencies. Dependencies before source for the
# layer cache: stub packages let pip resolve ".[test]" before the code is copied.
FROM base AS test
WORKDIR /app
COPY pyproject.toml README.md ./
# hadolint ignore=DL3013
RUN mkdir -p csms simulators && touch csms/__init__.py simulators/__init__.py \
    && pip install --no-cache-dir ".[test]" && pip uninstall -y csms
COPY . .
RUN pip install --no-cache-dir --no-deps -e .
CMD ["sh", "-c", "ruff check . && ruff format --check . && mypy && lint-imports && python tests/check_sizes.py && exec python -m pytest -q"]

# Production: the wheel and its runtime dependencies, no source tree, no test tools.
FROM base AS runtime
RUN groupadd --gid 10001 csms \
    && useradd --uid 10001 --gid 10001 --no-log-init --no-create-home \
       --home-dir /var/lib/csms --shell /usr/sbin/nologin csms \
    && mkdir -p /var/lib/csms \
    && chown 10001:10001 /var/lib/csms \
    && chmod 0700 /var/lib/csms
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir /wheels/*.whl
COPY config/ /etc/csms/
ENV CSMS_HOST=0.0.0.0 \
    CSMS_API_HOST=0.0.0.0 \
    CSMS_PUBLIC_HOST=0.0.0.0 \
    CSMS_DATA_DIR=/var/lib/csms \
    CSMS_LOG_FORMAT=json \
    CSMS_DEV_MODE=false \
    CSMS_TARIFFS_DIR=/etc/csms/tariffs
VOLUME /var/lib/csms
WORKDIR /var/lib/csms
EXPOSE 9000 8080 8081
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:%s/healthz' % os.environ.get('CSMS_API_PORT', '8080'); sys.exit(0 if urllib.request.urlopen(url, timeout=3).status == 200 else 1)"]
STOPSIGNAL SIGTERM
CMD ["csms", "serve"]
