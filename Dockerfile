# agenda-regie for an organisation: one image for the web app, the workers, beat and the
# database migration (docker-compose.yml picks the command). See docs/deploy.md.
#
# Built in two stages: the first turns the sources into a wheel, the second installs only that
# wheel (and its runtime dependencies) into a virtual environment and runs as a user without
# privileges. No setting and no secret is baked in: they come from the environment (.env).

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY assistant ./assistant
COPY connectors ./connectors
COPY rules ./rules
COPY worker ./worker
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/agenda-regie/bin:$PATH
# Chromium prints the summary before a coaching conversation as a PDF (docs/leader-place.md);
# without it the summary is still there as a page that prints from the browser.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/agenda-regie
COPY --from=build /wheels /wheels
RUN /opt/agenda-regie/bin/pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
RUN useradd --create-home --uid 10001 --user-group agenda
USER agenda
WORKDIR /home/agenda
EXPOSE 8000
# The default command serves the confirm pages; docker-compose.yml gives each service its own
# command and health check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["agenda-regie", "web", "--host", "0.0.0.0", "--port", "8000"]
