"""docker-compose.yml parses and its health checks use the health endpoints (issue 14)."""

from pathlib import Path

import yaml
from django.conf import settings


def _compose() -> dict:
    return yaml.safe_load(Path(settings.BASE_DIR, "docker-compose.yml").read_text())


def test_compose_file_parses_and_names_every_service():
    services = _compose()["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis"}


def test_web_health_is_readiness_and_the_worker_has_its_own_check():
    services = _compose()["services"]
    web = " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz/ready" in web
    assert "ping" in " ".join(services["worker"]["healthcheck"]["test"])
    # Workers and beat wait for a web that is ready (it runs the migrations).
    assert services["worker"]["depends_on"]["web"]["condition"] == "service_healthy"
