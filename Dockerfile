# invoicebot service image.
#   docker build -t invoicebot .
#   docker compose up -d                      # with PostgreSQL: see docker-compose.yml
#   docker run -d -v invoicebot-data:/data invoicebot   # alone, on SQLite inside the volume
# Any command runs the same way: `docker compose run --rm invoicebot backup /backups/today`.

# The wheel, built from the sources alone (see .dockerignore), so the image holds no source tree.
FROM python:3.11-slim-bookworm AS wheel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY intake ./intake
COPY invoicing ./invoicing
COPY templates ./templates
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm

# What the service needs at run time (the Makefile's APT_PACKAGES, less the tests' poppler-utils):
# tesseract with English, German, French and Danish data; pango and HarfBuzz with its subsetter
# for WeasyPrint; fonts; GL and GLib, which OpenCV loads for RapidOCR; and the PostgreSQL client tools `invoicebot backup` and `restore` run
# (Debian 12's are version 15: they read servers up to 15). Debian stable's versions are taken
# as they come, security fixes included, so they are not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-dan \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
      fonts-dejavu-core fonts-liberation \
      libgl1 libglib2.0-0 \
      postgresql-client \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

COPY --from=wheel /wheels /tmp/wheels
RUN wheel="$(echo /tmp/wheels/invoicebot-*.whl)" \
 && pip install --no-cache-dir "${wheel}" \
 && rm -rf /tmp/wheels

RUN useradd --create-home --uid 10001 --user-group invoicebot \
 && mkdir -p /data \
 && chown invoicebot:invoicebot /data

# Database (SQLite by default), stored files, drop folder (/data/inbox) and outbox live here.
ENV INVOICEBOT_DATA_DIR=/data
VOLUME /data
WORKDIR /data
# By number, so that a runtime that checks for a non-root user (runAsNonRoot) can tell.
USER 10001:10001

# Healthy when the database answers at the current schema, /data is writable, tesseract runs
# with its languages and no outbox job has waited more than 10 minutes. The first start
# upgrades the schema, hence the start period.
HEALTHCHECK --interval=60s --timeout=30s --start-period=120s --retries=3 \
  CMD ["invoicebot", "health", "--service"]

# Upgrades the schema, then runs the drop folder, job worker and scheduler, and e-mail and chat
# when configured. `docker run invoicebot health` (or any other command) runs that instead.
ENTRYPOINT ["invoicebot"]
CMD ["run"]
