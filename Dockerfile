# horror_lake: the same code location as the README, in a container.
#   docker build -t horror-lake .
#   docker run --rm -p 3000:3000 -v "$PWD/data:/data" horror-lake          # Dagster UI on :3000
#   docker run --rm -v "$PWD/data:/data" horror-lake \
#       dagster job execute -m horror_lake -j horror_lake_job              # build today's partition
# /data/landing holds movies.csv and series.csv (sample files are written there when it is
# empty, as bin/demo does); the lake is written to /data/lake.
#
# Build arguments, all optional (the defaults are what the commands above get):
#   BASE_IMAGE  a Python 3.11 image with pip and venv        (default python:3.11-slim-bookworm)
#   WHEELHOUSE  a folder inside the build context holding wheels for requirements.lock and for
#               the build backend (setuptools, wheel): everything is installed from it with
#               --no-index, for air-gapped builds.        (default empty: the package index)
#   WITH_JAVA   1 installs a Java runtime for the Spark engine; 0 leaves it out, together with
#               pyspark's bundled jars (about 700 MB less): the DuckDB engine only. (default 1)
# bin/docker-test builds this image offline with podman and proves it works.

ARG BASE_IMAGE=python:3.11-slim-bookworm

# ---- build: one venv with the pinned dependencies, and the project's own files -----------------
FROM ${BASE_IMAGE} AS build
LABEL org.opencontainers.image.title="horror_lake"
ARG WHEELHOUSE=
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore

# COPY needs a source that exists, hence the empty placeholder folder when no wheelhouse is given.
COPY ${WHEELHOUSE:-docker/no-wheelhouse} /wheels/
WORKDIR /src

# Dependencies first, from the lock file only, so that a change to the package's source does not
# reinstall them. The venv's setuptools goes: nothing in it is built at run time.
COPY requirements.lock ./
RUN set -eu; \
    if [ -n "$WHEELHOUSE" ]; then export PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheels; fi; \
    python -m venv /opt/venv; \
    /opt/venv/bin/pip uninstall -q -y setuptools; \
    /opt/venv/bin/pip install -q -r requirements.lock; \
    /opt/venv/bin/pip check
# Without a Java runtime pyspark's jars (about 460 MB) can never be loaded. (The ARG is declared
# here, not above: a build argument invalidates the cache of every RUN after it.)
ARG WITH_JAVA=1
RUN if [ "$WITH_JAVA" != 1 ]; then rm -rf /opt/venv/lib/python3*/site-packages/pyspark/jars; fi

# The project, installed under /stage (its files only, at their final paths) so that the final
# image gets the dependencies and the project as two layers: a source change rebuilds only the
# small one. Bytecode is compiled here, recording the final paths for tracebacks.
COPY pyproject.toml README.md ./
COPY horror_lake ./horror_lake
RUN set -eu; \
    if [ -n "$WHEELHOUSE" ]; then export PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheels; fi; \
    /opt/venv/bin/pip wheel -q --no-deps -w /dist .; \
    /opt/venv/bin/pip install -q --no-deps --no-compile --root /stage /dist/*.whl; \
    /opt/venv/bin/python -m compileall -q -s /stage -p / /stage

# ---- the image: the base, a Java runtime if asked for, the venv, the project ------------------
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="horror_lake" \
      org.opencontainers.image.description="horror_lake's Dagster code location: UI on port 3000, or any dagster/horror-lake command"
ARG WITH_JAVA=1

ENV PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DAGSTER_HOME=/opt/dagster/home \
    HORROR_LAKE_LANDING=/data/landing \
    HORROR_LAKE_ROOT=/data/lake \
    HORROR_LAKE_SQL_CACHE=/opt/horror_lake/sql-cache

# A Java runtime for the Spark engine (HORROR_LAKE_ENGINE=spark); DuckDB needs none. Slim bases
# have no man page folders, and the JRE's install script fails linking java.1.gz into one.
RUN set -eu; \
    if [ "$WITH_JAVA" = 1 ]; then \
        mkdir -p /usr/share/man/man1; \
        apt-get update; \
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends default-jre-headless; \
        apt-get clean; \
        rm -rf /var/lib/apt/lists/*; \
    fi; \
    mkdir -p "$DAGSTER_HOME" /data/landing /data/lake

COPY --from=build /opt/venv /opt/venv
COPY --from=build /stage/ /

WORKDIR /opt/horror_lake
COPY workspace.yaml ./
# The instance settings: one run per ingestion date at a time (see dagster.yaml).
COPY dagster.yaml $DAGSTER_HOME/dagster.yaml
# The SQL cache filled by one run of the job on a small sample (then removed), so that neither the
# code server nor a run in the container parses SQL again (about 0.6 s each). Readable by any
# user; a user who can't write it still gets right answers, computed.
RUN set -eu; \
    scratch=$(mktemp -d); \
    horror-lake sample --out "$scratch/landing" --movies 200 --series 80 >/dev/null; \
    DAGSTER_HOME="$scratch" HORROR_LAKE_LANDING="$scratch/landing" HORROR_LAKE_ROOT="$scratch/lake" \
        dagster job execute -m horror_lake -j horror_lake_job >"$scratch/run.log" 2>&1 \
        || { tail -50 "$scratch/run.log"; exit 1; }; \
    rm -rf "$scratch"; \
    chmod -R a+rX "$HORROR_LAKE_SQL_CACHE"
COPY docker/entrypoint.sh /usr/local/bin/horror-lake-entrypoint
VOLUME ["/data"]
EXPOSE 3000
ENTRYPOINT ["horror-lake-entrypoint"]
CMD ["dagster", "dev", "-h", "0.0.0.0", "-p", "3000", "-w", "workspace.yaml"]
