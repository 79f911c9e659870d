"""Settings read from the environment: they boot with nothing but DEBUG=1, pass Django's deployment
checks with production values, and stop start-up on a malformed value with a message that names
the variable. Settings are read at import, so each case runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS_SOURCE = (BASE_DIR / "config" / "settings.py").read_text()
# Every variable settings.py reads, found the way a reviewer would: by its env_* calls.
SETTINGS_VARIABLES = sorted(set(re.findall(r"env_\w+\(\s*\"([A-Z0-9_]+)\"", SETTINGS_SOURCE)))
PRODUCTION_SECRET_KEY = "x7Kq2-production-like-key-for-tests-only-9fP4vL0aZ3mN8bR1cT6yW5uE2sD"


def _clean_env(**values: str) -> dict[str, str]:
    """The test runner's environment without any setting, plus `values`."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(values)
    return env


def _run(args: list[str], **values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env=_clean_env(**values),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def _setup(**values: str) -> subprocess.CompletedProcess[str]:
    return _run(["-c", "import django; django.setup()"], **values)


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def test_the_settings_variables_are_found() -> None:
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "OIDC_RP_CLIENT_ID"} <= set(
        SETTINGS_VARIABLES
    )


@pytest.mark.parametrize("name", SETTINGS_VARIABLES)
def test_every_setting_is_documented_in_the_readme(name: str) -> None:
    assert f"`{name}`" in (BASE_DIR / "README.md").read_text()


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        pytest.param({"DEBUG": "maybe"}, "DEBUG", id="debug-not-a-boolean"),
        pytest.param({"DATABASE_URL": "mysql://x"}, "DATABASE_URL", id="database-unsupported"),
        pytest.param(
            {"DATABASE_URL": "postgres://host:notaport/db"}, "DATABASE_URL", id="database-port"
        ),
        pytest.param({"DATABASE_URL": "postgres://"}, "DATABASE_URL", id="database-no-host"),
        pytest.param({"REDIS_URL": "http://x"}, "REDIS_URL", id="redis-scheme"),
        pytest.param({"EMAIL_PORT": "abc"}, "EMAIL_PORT", id="email-port-not-a-number"),
        pytest.param(
            {"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"}, "EMAIL_USE_SSL", id="tls-and-ssl"
        ),
        pytest.param({"SESSION_IDLE_MINUTES": "0"}, "SESSION_IDLE_MINUTES", id="idle-zero"),
        pytest.param({"SESSION_ABSOLUTE_HOURS": "-1"}, "SESSION_ABSOLUTE_HOURS", id="absolute"),
        pytest.param(
            {"CSRF_TRUSTED_ORIGINS": "kommune.dk"}, "CSRF_TRUSTED_ORIGINS", id="origin-no-scheme"
        ),
        pytest.param({"SITE_URL": "kommune.dk"}, "SITE_URL", id="site-url-no-scheme"),
        pytest.param({"LOG_LEVEL": "loud"}, "LOG_LEVEL", id="log-level"),
        pytest.param({"CELERY_TASK_TIME_LIMIT": "5"}, "CELERY_TASK_TIME_LIMIT", id="time-limit"),
        pytest.param({"SECURE_HSTS_SECONDS": "a year"}, "SECURE_HSTS_SECONDS", id="hsts"),
        pytest.param({"OIDC_RP_CLIENT_ID": "kerneopgaver"}, "OIDC_", id="oidc-without-endpoints"),
        pytest.param({"API_RATE_TOKEN": "600 per minute"}, "API_RATE_TOKEN", id="api-rate"),
        pytest.param({"OS2MO_URL": "https://os2mo.example"}, "OS2MO_CLIENT_SECRET", id="os2mo"),
        pytest.param(
            {
                "OIDC_RP_CLIENT_ID": "kerneopgaver",
                "OIDC_RP_CLIENT_SECRET": "s3cret",
                "OIDC_OP_AUTHORIZATION_ENDPOINT": "idp.kommune.example/authorize",
            },
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            id="oidc-endpoint-no-scheme",
        ),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(
    values: dict[str, str], variable: str
) -> None:
    done = _setup(SECRET_KEY=PRODUCTION_SECRET_KEY, **values)

    assert done.returncode != 0
    # The last line is the error itself; the traceback above it quotes settings.py, which
    # names every variable anyway.
    message = _last_line(done.stderr)
    assert "ImproperlyConfigured" in message
    assert variable in message


def test_without_debug_a_missing_secret_key_stops_start_up() -> None:
    done = _setup()

    assert done.returncode != 0
    assert "SECRET_KEY must be set" in _last_line(done.stderr)


def test_with_oidc_fully_configured_it_names_the_missing_endpoint_only() -> None:
    done = _setup(
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        OIDC_RP_CLIENT_ID="kerneopgaver",
        OIDC_RP_CLIENT_SECRET="s3cret",
        OIDC_OP_AUTHORIZATION_ENDPOINT="https://idp.kommune.example/authorize",
        OIDC_OP_TOKEN_ENDPOINT="https://idp.kommune.example/token",
        OIDC_OP_USER_ENDPOINT="https://idp.kommune.example/userinfo",
    )

    assert done.returncode != 0
    assert "OIDC_OP_JWKS_ENDPOINT must be set" in _last_line(done.stderr)


def test_with_only_debug_it_boots_on_sqlite_locmem_and_eager_celery() -> None:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({'db': s.DATABASES['default']['ENGINE'],"
        " 'cache': s.CACHES['default']['BACKEND'], 'eager': s.CELERY_TASK_ALWAYS_EAGER,"
        " 'broker': s.CELERY_BROKER_URL, 'email': s.EMAIL_BACKEND, 'debug': s.DEBUG,"
        " 'ssl_redirect': s.SECURE_SSL_REDIRECT}))"
    )
    done = _run(["-c", code], DEBUG="1")

    assert done.returncode == 0, done.stderr
    values = json.loads(_last_line(done.stdout))
    assert values == {
        "db": "django.db.backends.sqlite3",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "eager": True,
        "broker": "memory://localhost/",
        "email": "django.core.mail.backends.console.EmailBackend",
        "debug": True,
        "ssl_redirect": False,
    }


def test_with_postgres_and_redis_urls_it_uses_them() -> None:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "d = s.DATABASES['default'];"
        "print(json.dumps([d['ENGINE'], d['HOST'], d['PORT'], d['NAME'],"
        " s.CACHES['default']['BACKEND'], s.CELERY_TASK_ALWAYS_EAGER]))"
    )
    done = _run(
        ["-c", code],
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        DATABASE_URL="postgres://app:pw@db.kommune.example:5433/kerneopgaver",
        REDIS_URL="redis://redis:6379/0",
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(_last_line(done.stdout)) == [
        "django.db.backends.postgresql",
        "db.kommune.example",
        5433,
        "kerneopgaver",
        "django.core.cache.backends.redis.RedisCache",
        False,
    ]


def test_production_settings_pass_the_deployment_checks() -> None:
    done = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        ALLOWED_HOSTS="kommune.example",
        CSRF_TRUSTED_ORIGINS="https://kommune.example",
        BEHIND_TLS_PROXY="1",
    )

    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


def test_debug_settings_fail_the_deployment_checks() -> None:
    """The check is not vacuous: the demo settings are not fit for production and it says so."""
    done = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], DEBUG="1")

    assert done.returncode != 0
    assert "security.W018" in done.stderr  # DEBUG must not be on in deployment
