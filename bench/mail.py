"""Webmail benchmark against the dev-stack Dovecot (figures printed, nothing asserted).

    bash deploy/devstack.sh start && set -a && . var/devstack/env && set +a
    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/mail.py [--runs 60]

Seeds (once; reused afterwards) an INBOX of 100,000 messages and one of 1,000 by batched
MULTIAPPEND, plus a 100 KB HTML message in each. Then, in the same process, measures the median
and p95 server time (Django test client, whole stack: middleware, session, IMAP, templates) of:
the inbox page, opening the 100 KB HTML message (reading page + sanitised body frame), a subject
search; and beside each, the raw imapclient calls that fetch the same data. Prints peak memory.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "academie.settings")

import datetime as dt  # noqa: E402

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from imapclient import IMAPClient  # noqa: E402

from annuaire.models import User  # noqa: E402
from mail import imap  # noqa: E402
from mail.sanitize import sanitize_html  # noqa: E402

MAILBOXES = {"bench.centmille": 100_000, "bench.mille": 1_000}
BATCH = 1000
HTML_MARKER = "X-Bench-Html"
SEARCH_WORD = "trimestriel"  # in ~1 subject out of 100


def _message(i: int, rng: random.Random, when: dt.datetime) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Agent {rng.randint(1, 500)} <agent{rng.randint(1, 500)}@ac-nancy-metz.fr>"
    msg["To"] = "bench@ac-nancy-metz.fr"
    word = SEARCH_WORD if i % 100 == 7 else rng.choice(["conseil", "réunion", "note", "convocation", "budget"])
    msg["Subject"] = f"Message {i} — {word} n°{rng.randint(1, 99)}"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<bench-{i}-{rng.getrandbits(32)}@ac-nancy-metz.fr>"
    msg.set_content(
        f"Bonjour,\n\nCeci est le message {i} du banc d'essai.\n" + "Texte de remplissage. " * rng.randint(5, 40)
    )
    return msg.as_bytes()


def html_100k() -> bytes:
    rows = "".join(
        f'<tr><td style="color:#000091;padding:4px">Ligne {i}</td><td><a href="https://www.ac-nancy-metz.fr/{i}">lien {i}</a>'
        f'</td><td><img src="https://dane.ac-nancy-metz.fr/img/{i}.png" alt="i{i}" onerror="x()"></td>'
        f"<td>Texte de la newsletter, paragraphe {i}, avec <b>du gras</b> et <i>de l'italique</i>.</td></tr>"
        for i in range(430)
    )
    html = f"<html><head><style>p{{color:red}}</style><script>alert(1)</script></head><body><table>{rows}</table></body></html>"
    msg = EmailMessage()
    msg["From"] = "DANE <dane@ac-nancy-metz.fr>"
    msg["To"] = "bench@ac-nancy-metz.fr"
    msg["Subject"] = "Lettre HTML de 100 Ko"
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg[HTML_MARKER] = "1"
    msg.set_content("Version texte")
    msg.add_alternative(html, subtype="html")
    raw = msg.as_bytes()
    return raw


def seed(identifier: str, size: int) -> tuple[int, int]:
    """Fill INBOX up to ``size`` messages (reusing what is there); returns (uid of the HTML message, uidvalidity)."""
    with imap.open_mailbox(identifier, timeout=300) as box:
        status = box.status("INBOX")
        have = status.messages
        if have < size:
            print(f"  remplissage de {identifier} : {have} → {size} messages…", flush=True)
            rng = random.Random(have)
            start = time.perf_counter()
            base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
            i = have
            while i < size:
                count = min(BATCH, size - i)
                batch = [
                    {"msg": _message(j, rng, base + dt.timedelta(minutes=5 * j)), "flags": ("\\Seen",) if j % 7 else ()}
                    for j in range(i, i + count)
                ]
                box.multiappend("INBOX", batch)
                i += count
                if i % 10_000 == 0:
                    print(f"    {i} messages ({time.perf_counter() - start:.0f} s)", flush=True)
            print(f"  {identifier} rempli en {time.perf_counter() - start:.1f} s", flush=True)
        box.select("INBOX")
        found = box.search_uids(["HEADER", HTML_MARKER, "1"])
        if not found:
            box.append("INBOX", html_100k())
            found = box.search_uids(["HEADER", HTML_MARKER, "1"])
        return found[-1], box.status("INBOX").uidvalidity


def measure(fn, runs: int) -> list[float]:
    fn()  # warm-up
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def raw_client(identifier: str) -> IMAPClient:
    client = IMAPClient(settings.IMAP_HOST, port=settings.IMAP_PORT, ssl=False, timeout=30)
    client.login(f"{identifier}*{settings.IMAP_MASTER_USER}", settings.IMAP_MASTER_PASSWORD)
    return client


ITEMS = ["UID", *imap.LIST_ITEMS]  # the same items as the web list


def raw_inbox(identifier: str) -> None:
    client = raw_client(identifier)
    info = client.select_folder("INBOX")
    exists = info[b"EXISTS"]
    client.use_uid = False
    client.fetch(list(range(max(1, exists - 49), exists + 1)), ITEMS)
    for name in ("INBOX", "Drafts", "Sent", "Trash", "Junk", "Archive"):
        if name != "INBOX":
            client.folder_status(name, ["MESSAGES", "UNSEEN"])
    client.logout()


def raw_sort_inbox(identifier: str) -> None:
    """What Roundcube does: whole-folder SORT on every page, then FETCH 50."""
    client = raw_client(identifier)
    client.select_folder("INBOX")
    uids = client.sort(["REVERSE", "DATE"])
    client.fetch(uids[:50], ITEMS)
    client.logout()


def raw_open(identifier: str, uid: int) -> None:
    client = raw_client(identifier)
    client.select_folder("INBOX", readonly=True)
    data = client.fetch([uid], ["BODYSTRUCTURE", "BODY.PEEK[HEADER]", "ENVELOPE", "FLAGS"])
    body = client.fetch([uid], ["BODY.PEEK[2]"])[uid][b"BODY[2]"]
    sanitize_html(body.decode("utf-8", "replace"), allow_remote_images=False)
    assert data
    client.logout()


def raw_search(identifier: str) -> None:
    client = raw_client(identifier)
    client.select_folder("INBOX", readonly=True)
    uids = client.search(["SUBJECT", SEARCH_WORD])
    client.fetch(sorted(uids, reverse=True)[:200], ITEMS)
    client.logout()


def verified_client(identifier: str) -> Client:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import verify_client

    user, _ = User.objects.get_or_create(username=identifier, defaults={"first_name": "Banc", "last_name": "Essai"})
    TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    return verify_client(Client(), user)


def bench_mailbox(identifier: str, uid: int, v: int, *, runs: int) -> dict[str, tuple[float, float]]:
    client = verified_client(identifier)

    def get(url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")

    def web_open() -> None:
        get(f"/messagerie/lire/{uid}/?f=INBOX&v={v}")
        get(f"/messagerie/lire/{uid}/corps/?f=INBOX&v={v}")

    rows = {
        "portal home page (baseline: session, OTP, middleware)": (lambda: get("/"), lambda: None),
        "inbox page": (lambda: get("/messagerie/"), lambda: raw_inbox(identifier)),
        "open 100 KB HTML": (web_open, lambda: raw_open(identifier, uid)),
        "  of which: sanitised body frame alone": (
            lambda: get(f"/messagerie/lire/{uid}/corps/?f=INBOX&v={v}"),
            lambda: None,
        ),
        "subject search": (
            lambda: get(f"/messagerie/recherche/?f=INBOX&objet={SEARCH_WORD}"),
            lambda: raw_search(identifier),
        ),
    }
    results: dict[str, tuple[float, float]] = {}
    for name, (web, raw) in rows.items():
        results[name] = summary(measure(web, runs))
        if name.startswith(("portal", "  of which")):
            continue
        results[name + " (raw imapclient)"] = summary(measure(raw, runs))
    results["whole-folder SORT + FETCH 50 (Roundcube-like, raw)"] = summary(
        measure(lambda: raw_sort_inbox(identifier), max(10, runs // 3))
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    print("Banc d'essai de la messagerie (Dovecot du dev stack)")
    seeded = {identifier: seed(identifier, size) for identifier, size in MAILBOXES.items()}
    rss_after_seed = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    results = {identifier: bench_mailbox(identifier, *seeded[identifier], runs=args.runs) for identifier in MAILBOXES}

    print()
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (machine shared; figures are wall-clock)")
    header = f"{'measure':58} " + " ".join(f"{f'{size:,} msgs':>22}" for size in MAILBOXES.values())
    print(header)
    print(f"{'':58} " + " ".join(f"{'median / p95 (ms)':>22}" for _ in MAILBOXES))
    for name in results[next(iter(MAILBOXES))]:
        cells = []
        for identifier in MAILBOXES:
            median, p95 = results[identifier][name]
            cells.append(f"{median:9.1f} / {p95:8.1f}")
        print(f"{name:58} " + " ".join(f"{c:>22}" for c in cells))
    big, small = list(MAILBOXES)
    inbox_ratio = results[big]["inbox page"][0] / results[small]["inbox page"][0]
    open_ratio = results[big]["open 100 KB HTML"][0] / results[big]["open 100 KB HTML (raw imapclient)"][0]
    print()
    print(f"inbox page 100k / 1k (median): {inbox_ratio:.2f}x")
    print(f"open 100 KB HTML, web / raw FETCH + sanitise (100k, median): {open_ratio:.2f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB (after seeding: {rss_after_seed:.0f} MB)")


if __name__ == "__main__":
    main()
