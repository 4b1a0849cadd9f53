# invoicebot service image: `docker build -t invoicebot .` then
#   docker run -v invoicebot-data:/data -e INVOICEBOT_DATABASE_URL=postgresql+psycopg://... invoicebot
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-dan \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core fonts-liberation \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 invoicebot
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY intake ./intake
COPY invoicing ./invoicing
COPY templates ./templates
RUN pip install --no-cache-dir .

ENV INVOICEBOT_DATA_DIR=/data
RUN mkdir -p /data && chown invoicebot /data
VOLUME /data
USER invoicebot
# Upgrades the schema, then runs drop folder (/data/inbox), job worker, e-mail and chat when configured.
CMD ["invoicebot", "run"]
