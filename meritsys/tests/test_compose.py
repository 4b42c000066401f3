"""docker-compose.yml, the Dockerfile and the proxy's configuration agree (issues 14 and 22).

No Docker engine runs in CI: the files are parsed and checked for what `docker compose up
--scale web=3 --scale worker=4` needs.
"""

import re
from pathlib import Path

import yaml
from django.conf import settings

from core.storage_url import s3_options


def _compose() -> dict:
    return yaml.safe_load(Path(settings.BASE_DIR, "docker-compose.yml").read_text())


def _text(name: str) -> str:
    return Path(settings.BASE_DIR, name).read_text()


def _defaults(value: str) -> str:
    """A compose value with every ${VAR:-default} replaced by its default (what a bare `up` uses)."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", value)


def test_compose_file_parses_and_names_every_service():
    services = _compose()["services"]
    assert set(services) == {"migrate", "web", "worker", "beat", "proxy", "objects", "db", "redis"}


def test_web_health_is_readiness_and_the_worker_has_its_own_check():
    services = _compose()["services"]
    web = " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz/ready" in web
    assert "ping" in " ".join(services["worker"]["healthcheck"]["test"])


def test_web_and_worker_scale_out():
    services = _compose()["services"]
    for name in ("web", "worker", "beat"):
        service = services[name]
        # A fixed name or a published host port would make a second replica fail to start.
        assert "container_name" not in service, name
        assert "ports" not in service, name
        # Nothing local: files go to the bucket, so no replica keeps a volume of its own.
        assert "volumes" not in service, name
        # Migrations run once, in their own service, before any replica starts.
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert "migrate" not in service["command"], name
    assert "migrate --noinput" in services["migrate"]["command"]
    assert services["migrate"].get("restart") == "no"
    # Only the proxy publishes a port.
    assert [name for name, service in services.items() if "ports" in service] == ["proxy"]


def test_files_live_in_the_compose_object_store():
    compose = _compose()
    services = compose["services"]
    url = _defaults(services["web"]["environment"]["STORAGE_URL"])
    options = s3_options(url)  # the app would accept it
    assert options["endpoint_url"] == "http://objects:9000" and options["bucket_name"] == "meritsys"
    objects = services["objects"]
    serve = _defaults(" ".join(objects["command"]))
    assert "serve s3" in serve and "--addr :9000" in serve
    # The store is started with the same keys the app signs with, and creates the bucket.
    assert f"{options['access_key']},{options['secret_key']}" in serve
    assert f"mkdir -p /data/{options['bucket_name']}" in serve
    assert "objects" in compose["volumes"] and any(v.startswith("objects:") for v in objects["volumes"])
    assert services["web"]["depends_on"]["objects"]["condition"] == "service_healthy"
    # Healthy only when it answers the S3 API with the app's keys.
    check = _defaults(" ".join(objects["healthcheck"]["test"]))
    assert "rclone lsd :s3:" in check and "--s3-endpoint http://127.0.0.1:9000" in check
    assert f"--s3-access-key-id {options['access_key']} --s3-secret-access-key {options['secret_key']}" in check


def test_the_proxy_serves_static_files_and_forwards_the_scheme():
    services = _compose()["services"]
    proxy = services["proxy"]
    assert proxy["build"]["target"] == "proxy"
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    conf = _text("deploy/nginx.conf")
    assert "proxy_set_header X-Forwarded-Proto" in conf
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for" in conf
    assert re.search(r"location /static/ \{\s*alias /srv/static/;", conf)
    # Every web replica, re-resolved through Docker's DNS.
    assert "server web:8000 resolve" in conf and "resolver 127.0.0.11" in conf
    # Evidence up to EVIDENCE_MAX_BYTES passes the proxy.
    limit = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1)) * 1024 * 1024
    assert limit > settings.EVIDENCE_MAX_BYTES
    # The app trusts exactly the one proxy in front of it.
    assert _defaults(services["web"]["environment"]["TRUSTED_PROXIES"]) == "1"


def test_dockerfile_builds_the_app_and_the_proxy_from_one_file():
    dockerfile = _text("Dockerfile")
    stages = re.findall(r"^FROM (\S+)(?: AS (\S+))?", dockerfile, re.M)
    names = [name for _, name in stages if name]
    assert "app" in names and "proxy" in names
    # The proxy carries the static files the app collected, and its configuration.
    assert "COPY --from=app /app/staticfiles /srv/static" in dockerfile
    assert "COPY deploy/nginx.conf /etc/nginx/conf.d/default.conf" in dockerfile
    # A plain `docker build .` still gives the application image.
    assert stages[-1][0] == "app"
    services = _compose()["services"]
    for name in ("migrate", "web", "worker", "beat"):
        assert services[name]["build"]["target"] == "app", name
    # The object store's client libraries are runtime requirements of the image.
    requirements = _text("requirements.txt")
    assert "django-storages==" in requirements and "boto3==" in requirements
