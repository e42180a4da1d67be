# Opslag as a container: `docker build -t opslag .`, then see compose.yaml and the README
# ("I drift"). Secrets (Slack and Teams credentials, tokens) come from the environment at run
# time, never from this file.

# -- build: the project and its dependencies as wheels ------------------------------------------
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY policy ./policy
COPY bot ./bot
COPY handlers ./handlers
COPY opslag ./opslag
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# -- run: only the installed wheels, as a user without rights ----------------------------------
FROM python:3.12-slim
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home opslag \
    && mkdir -p /data /backup \
    && chown opslag:opslag /data /backup

# The database lives on the volume (/backup is there for a second one, for the nightly copies:
# OPSLAG_BACKUP_DIR=/backup). The server listens on every interface of the container, on PORT
# (3000 unless the platform sets another).
ENV OPSLAG_DB=/data/opslag.db \
    HOST=0.0.0.0 \
    PORT=3000 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
VOLUME ["/data"]
WORKDIR /data
USER 10001
EXPOSE 3000

# Liveness only (cheap): GET /healthz on the port the server listens on.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]

CMD ["opslag", "serve"]
