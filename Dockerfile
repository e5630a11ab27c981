# plotly's basic bundle for the charts (assets/package.json), from npm at build time only.
FROM node:20-slim AS assets
WORKDIR /assets
COPY assets/package.json assets/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=vsm.settings.production SLUICE_DATA_DIR=/app/.data

WORKDIR /app
COPY clients/sluice-cli ./clients/sluice-cli
COPY pyproject.toml README.md ./
COPY vsm ./vsm
COPY environments ./environments
COPY releases ./releases
COPY gates ./gates
COPY integrations ./integrations
COPY analytics ./analytics
# The server without the `demo` extra (the embedded PostgreSQL is for `make demo` and tests), and
# the `sluice` CI client, so `docker compose run --rm web sluice check ...` works too.
RUN pip install . ./clients/sluice-cli
COPY manage.py ./
COPY templates ./templates
COPY static ./static
COPY --from=assets /assets/node_modules/plotly.js-basic-dist-min ./assets/node_modules/plotly.js-basic-dist-min
# collectstatic needs settings that load; these values exist only for this build step.
RUN SECRET_KEY=build DATABASE_URL=postgresql://build@localhost/build FIELD_ENCRYPTION_KEYS=ZGV2LW9ubHktZmllbGQta2V5LTAwMDAwMDAwMDAwMDA= \
    python manage.py collectstatic --noinput

RUN useradd --system --home /app sluice && chown -R sluice /app
USER sluice
EXPOSE 8000
CMD ["gunicorn", "vsm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", \
     "--logger-class", "vsm.logredact.GunicornLogger"]
