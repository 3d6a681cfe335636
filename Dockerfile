# The portal's image: one image for web, worker and beat (see compose.yaml), started by
# bin/portal, the same script the CI production smoke run uses (.ci/smoke).
# Bump the base (and its digest, if you pin one) with each Python security release.
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

# --- build: the locked dependencies (requirements.lock, `make lock`), in a virtualenv ---
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements.lock ./
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --require-hashes -r requirements.lock

# --- runtime: the code, no build tools, not root -------------------------------------
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHON=/opt/venv/bin/python \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORTAL_VAR_DIR=/var/lib/portal \
    PORTAL_STATIC_ROOT=/app/staticfiles \
    PORTAL_BIND=0.0.0.0:8000
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin portal \
    && mkdir -p /var/lib/portal \
    && chown portal:portal /var/lib/portal
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY manage.py pyproject.toml ./
COPY bin ./bin
COPY portal ./portal
COPY integration ./integration
COPY templates ./templates
COPY static ./static
# The console's translations (compiled .mo files beside their .po).
COPY locale ./locale
# Static files are part of the image; whitenoise serves them. No secrets are needed for
# collecting them, hence the throw-away demo settings for this one command.
RUN PORTAL_DEMO=true PORTAL_VAR_DIR=/tmp/build-var bin/portal collectstatic \
    && rm -rf /tmp/build-var
USER 10001:10001
VOLUME ["/var/lib/portal"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["bin/portal", "healthcheck"]
ENTRYPOINT ["bin/portal"]
CMD ["web"]
