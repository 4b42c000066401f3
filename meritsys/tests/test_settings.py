"""Settings in both modes, read in fresh interpreters with controlled environments."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings as s; django.setup();"
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'eager': s.CELERY_TASK_ALWAYS_EAGER,"
    "'email': s.EMAIL_BACKEND, 'cache': s.CACHES['default']['BACKEND'], 'debug': s.DEBUG,"
    "'secure_cookie': getattr(s, 'SESSION_COOKIE_SECURE', False), 'hsts': getattr(s, 'SECURE_HSTS_SECONDS', 0),"
    "'storage': str(s.STORAGES['default']['OPTIONS']['location'])}))"
)
BASE_ENV = {
    k: v
    for k, v in os.environ.items()
    if not k.startswith(("DATABASE_URL", "REDIS_URL", "DJANGO_", "SECRET_KEY", "MERITSYS"))
}
BASE_ENV["DJANGO_SETTINGS_MODULE"] = "meritsys.settings"


def run(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_embedded_mode_needs_no_services():
    result = run(PROBE, BASE_ENV)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "core.db.sqlite3"  # Django's backend noting commits (core/dbdrop.py)
    assert values["eager"] is True
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    assert values["debug"] is False
    assert values["storage"].endswith("private_media")


PRODUCTION_ENV = {
    **BASE_ENV,
    "DJANGO_PRODUCTION": "1",
    "DATABASE_URL": "postgres://meritsys:secret@db:5432/meritsys",
    "REDIS_URL": "redis://redis:6379/0",
    "SECRET_KEY": "k7#x9$Lq2@vN8!pR4^tY6&wZ1*eB3(mC5)dF0_gH-jK+sA=uI~oP",
    "ALLOWED_HOSTS": "merit.example.go.id",
    "PUBLIC_BASE_URL": "https://merit.example.go.id",
}


def test_production_mode_reads_the_environment():
    result = run(PROBE, PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "core.db.postgresql"
    assert values["eager"] is False
    assert values["cache"].endswith("RedisCache")
    assert values["secure_cookie"] is True
    assert values["hsts"] >= 31536000


def test_production_mode_requires_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run(PROBE, env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_check_deploy_is_clean_in_production_mode():
    result = run("", PRODUCTION_ENV, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_static_files_collect_with_hashed_names(tmp_path):
    """The hashed storage of production resolves every url() and source map of the vendored files."""
    env = {**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path)}
    result = run("", env, "manage.py", "collectstatic", "--noinput", "-v0")
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    assert "vendor/bootstrap/bootstrap.min.css" in manifest["paths"]
    assert "js/app.js" in manifest["paths"]


def test_check_deploy_refuses_production_without_two_step_sign_in():
    env = {**PRODUCTION_ENV, "OTP_REQUIRED_FOR_STAFF": "0"}
    result = run("", env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "accounts.E001" in result.stdout + result.stderr


def test_session_and_password_policy_in_production():
    code = (
        "import json, django; from django.conf import settings as s; django.setup();"
        "print(json.dumps({'otp': s.OTP_REQUIRED_FOR_STAFF, 'idle': s.SESSION_IDLE_MINUTES_STAFF,"
        "'age': s.SESSION_COOKIE_AGE, 'min': [v.get('OPTIONS', {}) for v in s.AUTH_PASSWORD_VALIDATORS]}))"
    )
    result = run(code, {**PRODUCTION_ENV, "SESSION_IDLE_MINUTES_STAFF": "20"})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["otp"] is True and values["idle"] == 20 and values["age"] <= 12 * 3600
    assert {"min_length": 12} in values["min"]
