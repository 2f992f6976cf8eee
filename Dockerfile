# horror_lake: the same code location as the README, in a container.
#   docker build -t horror-lake .
#   docker run --rm -p 3000:3000 -v "$PWD/data:/data" horror-lake          # Dagster UI on :3000
#   docker run --rm -v "$PWD/data:/data" horror-lake \
#       dagster job execute -m horror_lake -j horror_lake_job              # build today's partition
# /data/landing holds movies.csv and series.csv (sample files are written there when it is
# empty, as bin/demo does); the lake is written to /data/lake.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    DAGSTER_HOME=/opt/dagster/home \
    HORROR_LAKE_LANDING=/data/landing \
    HORROR_LAKE_ROOT=/data/lake

# A Java runtime for the Spark engine (HORROR_LAKE_ENGINE=spark); DuckDB needs none.
RUN apt-get update \
    && apt-get install -y --no-install-recommends default-jre-headless \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/horror_lake
COPY pyproject.toml README.md workspace.yaml ./
COPY horror_lake ./horror_lake
RUN pip install --no-cache-dir --compile . \
    && mkdir -p "$DAGSTER_HOME" /data/landing /data/lake

COPY docker/entrypoint.sh /usr/local/bin/horror-lake-entrypoint
VOLUME ["/data"]
EXPOSE 3000
ENTRYPOINT ["horror-lake-entrypoint"]
CMD ["dagster", "dev", "-h", "0.0.0.0", "-p", "3000", "-w", "workspace.yaml"]
