"""Sign-in benchmark: full two-step sign-in and refused locked sign-in, against the bare Argon2
password verification measured in the same run.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/msg_NAME REDIS_URL=redis://127.0.0.1:6379/N
    .venv/bin/python bench/signin.py [--runs 40]

Runs against a throwaway test database (created and dropped here) and the real Redis cache.
Target: lockout + rate-limit + OTP checks add < 10 ms at the median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "academie.settings_test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test.utils import override_settings, setup_databases, setup_test_environment, teardown_databases  # noqa: E402

PASSWORD = "Bench-Password-2026!"


def stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return statistics.median(ordered) * 1000, p95 * 1000


def line(name: str, samples: list[float], base: float | None = None) -> None:
    median, p95 = stats(samples)
    extra = f"   ({median - base:+7.1f} ms vs the hash at the median)" if base is not None else ""
    print(f"{name:<46} median {median:7.1f} ms   p95 {p95:7.1f} ms{extra}")


def main() -> None:
    import logging

    logging.getLogger("axes").setLevel(logging.ERROR)
    logging.getLogger("django.request").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    runs = parser.parse_args().runs

    setup_test_environment()
    # A database of its own, so that the benchmark never collides with a pytest run.
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_" + settings.DATABASES["default"]["NAME"]
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        with override_settings(
            ACADEMIE_RATELIMITS={g: {"ip": "100000/m", "identifier": "100000/m"} for g in ("login", "code", "reset")},
            ALLOWED_HOSTS=["testserver"],
        ):
            run(runs)
    finally:
        teardown_databases(old_config, verbosity=0)


def run(runs: int) -> None:
    from axes.handlers.proxy import AxesProxyHandler
    from django.contrib.auth.hashers import check_password
    from django.core.cache import cache
    from django.test import Client, RequestFactory
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from academie import ratelimits, selectors
    from annuaire.models import User

    user = User.objects.create_user(username="bench.signin", password=PASSWORD, email="bench@example.org")
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    locked = User.objects.create_user(username="bench.locked", password=PASSWORD)
    TOTPDevice.objects.create(user=locked, name="bench", confirmed=True)
    encoded = user.password

    def code() -> str:
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
        device.refresh_from_db()
        return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"

    # Warm-up (connections, template loading, first Argon2 allocation).
    for _i in range(3):
        check_password(PASSWORD, encoded)
        c = Client()
        c.post("/connexion/", {"username": "bench.signin", "password": PASSWORD})
        c.post("/connexion/code/", {"device": device.persistent_id, "otp_token": code()})

    hash_times, full_times, step1_times, locked_times, bare_flow_times = [], [], [], [], []
    rl_times, axes_times, otp_times = [], [], []
    factory = RequestFactory()
    for _i in range(runs):
        t0 = time.perf_counter()
        check_password(PASSWORD, encoded)
        hash_times.append(time.perf_counter() - t0)

        client = Client()
        token = code()
        t0 = time.perf_counter()
        r1 = client.post("/connexion/", {"username": "bench.signin", "password": PASSWORD})
        t1 = time.perf_counter()
        r2 = client.post("/connexion/code/", {"device": device.persistent_id, "otp_token": token})
        t2 = time.perf_counter()
        assert r1["Location"] == "/connexion/code/" and r2["Location"] == "/", (r1, r2)
        step1_times.append(t1 - t0)
        full_times.append(t2 - t0)

        # The same two requests with django-axes and the rate limits switched off (OTP still verified).
        with override_settings(AXES_ENABLED=False, RATELIMIT_ENABLE=False):
            client = Client()
            token = code()
            t0 = time.perf_counter()
            client.post("/connexion/", {"username": "bench.signin", "password": PASSWORD})
            r2 = client.post("/connexion/code/", {"device": device.persistent_id, "otp_token": token})
            bare_flow_times.append(time.perf_counter() - t0)
            assert r2["Location"] == "/", r2

        # The checks alone: rate limits (IP + identifier, two groups), axes lock state, OTP verify.
        request = factory.post("/connexion/", {"username": "bench.signin"})
        request.client_ip = "127.0.0.1"
        t0 = time.perf_counter()
        ratelimits.is_limited(request, group="login", identifier="bench.signin")
        ratelimits.is_limited(request, group="code", identifier="bench.signin")
        rl_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        selectors.is_identifier_locked(request, "bench.signin")
        selectors.is_identifier_locked(request, "bench.signin")
        axes_times.append(time.perf_counter() - t0)
        token = code()
        t0 = time.perf_counter()
        assert device.verify_token(token)
        otp_times.append(time.perf_counter() - t0)

    client = Client()
    for _i in range(3):
        client.post("/connexion/", {"username": "bench.locked", "password": "wrong"})
    for _i in range(runs):
        t0 = time.perf_counter()
        r = client.post("/connexion/", {"username": "bench.locked", "password": PASSWORD})
        locked_times.append(time.perf_counter() - t0)
        assert r["Location"] == "/connexion/verrouille/", r
    AxesProxyHandler.reset_attempts(username="bench.locked")
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("rl:*")

    base = stats(hash_times)[0]
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"Sign-in benchmark: {runs} runs, database {db}, cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
    )
    line("bare Argon2 verification (baseline)", hash_times)
    line("step 1 (POST /connexion/, password)", step1_times, base)
    line("full sign-in (password + TOTP, 2 requests)", full_times, base)
    line("refused locked sign-in (POST /connexion/)", locked_times, base)
    line("full sign-in, axes and rate limits OFF", bare_flow_times, base)
    in_situ = stats(full_times)[0] - stats(bare_flow_times)[0]
    print(f"  => lockout + rate limits inside the real flow: {in_situ:+.1f} ms at the median (noisy)")
    print("checks alone:")
    line("  rate limits (2 groups x IP + identifier)", rl_times)
    line("  axes lock state (x2: password and code)", axes_times)
    line("  TOTP verification of the chosen device", otp_times)
    checks = sum(stats(t)[0] for t in (rl_times, axes_times, otp_times))
    print(f"lockout + rate-limit + OTP checks at the median: {checks:.1f} ms (target < 10 ms)")


if __name__ == "__main__":
    main()
