# meritsys production image: gunicorn web, Celery worker and beat share it (target `app`, the
# default); target `proxy` is nginx with the collected static files (docker-compose's `proxy`).
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_PRODUCTION=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    libmagic1 fonts-dejavu-core make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=assets /build/node_modules ./node_modules
# The same copy step as `make assets` (scripts/copy_assets.sh), without npm in this image.
RUN sh scripts/copy_assets.sh \
 && SECRET_KEY=build-only python manage.py compilemessages --ignore=node_modules -v0 \
 && SECRET_KEY=build-only python manage.py collectstatic --noinput -v0
RUN useradd --create-home --uid 1000 meritsys && mkdir -p /data/private_media && chown -R meritsys /data /app
USER meritsys
ENV PRIVATE_MEDIA_ROOT=/data/private_media
EXPOSE 8000
CMD ["gunicorn", "meritsys.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

# The reverse proxy: nginx serving the static files collected above and passing the rest to web.
FROM nginx:1.28-alpine AS proxy
COPY --from=app /app/staticfiles /srv/static
COPY deploy/nginx.conf /etc/nginx/conf.d/default.conf

# The default target stays the application image.
FROM app
