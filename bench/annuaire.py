"""Directory benchmark: a realistic académie (100,000 people, 4,000 establishments, 2,000 groups).

Measures the server time of autocomplete and full search over a realistic query mix (short
prefixes, full names, accents, typos, UAI codes, establishments), as the selector alone and as the
whole HTTP request through Django's middleware, and the time and peak memory (RSS) of importing a
100,000-person CSV (plus a 20,000-person one to show memory is flat in the file size).

    DATABASE_URL is ignored: the bench uses its own database (created if missing).
    .venv/bin/python bench/annuaire.py [--db msg_annuaire_bench] [--reset] [--skip-import] [--queries 600]

Targets (issue 4): autocomplete p95 < 15 ms, search p95 < 50 ms, import < 60 s, flat memory.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = """Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre Leroy
Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefèvre Faure André
Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry
Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun Blanchard
Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche Renard Schmitt Roy Leroux Colin Vidal
Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc
Payet Rolland Leclercq Guillaume Lecomte Lopez Jean Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin
Louis Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam Paris Poirier Marty Aubry Guyot Carré
Charles Renault Charpentier Ménard Maillard Baron Bertin Bailly Hervé Schneider Fernandez Le Gall Collet Léger
Bouvier Julien Prévost Millet Perrot Daniel Le Roux Cousin Germain Breton Besson Langlois Rémy Le Goff Pelletier
Lévêque Perrier Leblanc Barré Lebrun Marchal Weber Mallet Hamon Boulanger Jacob Monnier Michaud Rodriguez Guichard
Gillet Étienne Grondin Poulain Tessier Chevallier Collin Chauvin Da Silva Bouchet Gay Lemaître Bénard Maréchal
Humbert Reynaud Antoine Hoarau Perret Barthélemy Cordier Pichon Lejeune Gilbert Lamy Delaunay Pasquier Carlier
Laporte Kieffer Schwartz Wagner Fischer Hoffmann Becker Koch Lorentz Thiriet Gérardin Husson Mangin Didier""".split()
FIRST_NAMES = """Jean Marie Michel Claude Philippe Nathalie Isabelle Sylvie Catherine Françoise Christine Pierre Alain
Patrick Nicolas Christophe Stéphane Sophie Sandrine Valérie Véronique Laurent Frédéric Éric David Julien Céline
Aurélie Émilie Hélène Anne Caroline Thomas Sébastien Olivier Vincent Camille Julie Marion Mathieu Guillaume Jérôme
Antoine Alexandre Maxime Benoît Cédric Élodie Laure Chloé Léa Manon Margaux Pauline Agnès Brigitte Chantal Martine
Monique Dominique Pascal Thierry Bruno Didier Gilles Hervé Joël Yves Marc Luc Paul Louis Hugo Lucas Noémie Zoé
Anaïs Inès Maëlle Gaëlle Loïc Joëlle Noël Romain Damien Fabien Fabienne Florence Estelle Élise Justine Clément
Adrien Arnaud Bastien Corinne Delphine Karine Laetitia Magali Muriel Odile Pascale Rachel Solène Virginie Yannick""".split()
COMMUNES = {
    "54": "Nancy;Vandœuvre-lès-Nancy;Lunéville;Toul;Pont-à-Mousson;Villers-lès-Nancy;Laxou;Longwy;Saint-Max;"
    "Jarville-la-Malgrange;Briey;Pompey;Malzéville;Saint-Nicolas-de-Port;Dombasle-sur-Meurthe;Essey-lès-Nancy",
    "55": "Bar-le-Duc;Verdun;Commercy;Saint-Mihiel;Ligny-en-Barrois;Stenay;Étain;Vaucouleurs;Thierville-sur-Meuse",
    "57": "Metz;Thionville;Forbach;Sarreguemines;Saint-Avold;Montigny-lès-Metz;Yutz;Sarrebourg;Hayange;"
    "Woippy;Fameck;Creutzwald;Bitche;Saint-Julien-lès-Metz;Freyming-Merlebach;Hagondange;Marly;Moyeuvre-Grande",
    "88": "Épinal;Saint-Dié-des-Vosges;Gérardmer;Remiremont;Neufchâteau;Vittel;Thaon-les-Vosges;Golbey;"
    "Raon-l'Étape;Mirecourt;Rambervillers;Contrexéville;Le Thillot;Saint-Étienne-lès-Remiremont",
}
PATRONS = """Jules Ferry;Victor Hugo;Jean Moulin;Louis Pasteur;Jean Jaurès;Marie Curie;Paul Verlaine;Henri Poincaré;
Jacques Callot;Georges de La Tour;Robert Schuman;Fabert;Jean Macé;Charles de Gaulle;Pierre et Marie Curie;
Émile Gallé;Jean Zay;Simone Veil;Claude Debussy;Jeanne d'Arc;Saint-Exupéry;Albert Camus;Jean de La Fontaine;
Louis Aragon;Paul Éluard;Arthur Rimbaud;Condorcet;Jean-Baptiste Vatelot;Alfred Mézières;Erckmann-Chatrian""".replace(
    "\n", ""
).split(";")
KINDS = [
    ("ecole", "École élémentaire", 62),
    ("college", "Collège", 18),
    ("lycee", "Lycée", 8),
    ("lp", "Lycée professionnel", 5),
    ("circonscription", "Circonscription", 3),
    ("cio", "CIO", 2),
    ("erea", "EREA", 1),
    ("dsden", "DSDEN", 1),
]
FUNCTIONS = [
    ("ens-1d", "Enseignant du premier degré"),
    ("ens-2d", "Enseignant du second degré"),
    ("adm", "Personnel administratif"),
    ("chef", "Chef d'établissement"),
    ("adjoint", "Chef d'établissement adjoint"),
    ("cpe", "Conseiller principal d'éducation"),
    ("ien", "Inspecteur de l'éducation nationale"),
    ("dsi", "Ingénieur à la DSI"),
    ("psy", "Psychologue de l'éducation nationale"),
    ("infirmier", "Infirmier"),
]
SYLLABLES = "ba be bi bo bou ca ce chi co da de di do fa fe fi ga ge gi go la le li lo ma me mi mo na ne ni no pa pe pi po ra re ri ro sa se si so ta te ti to va ve vi vo za".split()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def fmt(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):6.2f} ms   p95 {percentile(values, 95):6.2f} ms   max {max(values):7.2f} ms"
    )


def ensure_database(name: str, reset: bool) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reset:
            conn.execute(f'DROP DATABASE "{name}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def surname_pool(rng: random.Random) -> tuple[list[str], list[float]]:
    """Common surnames with a Zipf-like weight, then a long tail of rare invented ones."""
    names = list(dict.fromkeys(SURNAMES))
    weights = [30.0 / (i + 1) ** 0.8 for i in range(len(names))]
    for _ in range(25_000):
        n = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3, 3, 4)))).capitalize()
        names.append(n)
        weights.append(0.05)
    return names, weights


def uai_for(dep: str, seq: int) -> str:
    from annuaire.models import uai_check_letter

    digits = f"0{dep}{seq:04d}"
    return digits + uai_check_letter(digits)


def generate(rng: random.Random, people: int, establishments: int, groups: int) -> None:
    from django.db import connection

    from annuaire.folding import fold

    print(f"Génération : {establishments} établissements, {people} personnes, {groups} groupes…", flush=True)
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        raw = cur.cursor  # psycopg cursor: COPY for bulk inserts
        with raw.copy("COPY annuaire_function (code, name) FROM STDIN") as copy:
            for code, name in FUNCTIONS:
                copy.write_row((code, name))
        deps = ["54", "55", "57", "88"]
        kinds = [k for k, _, w in KINDS for _ in range(w)]
        labels = {k: label for k, label, _ in KINDS}
        seqs = dict.fromkeys(deps, 0)
        ests = []
        with raw.copy(
            "COPY annuaire_establishment (uai, name, kind, public, commune, department, address, phone, email, active) FROM STDIN"
        ) as copy:
            for i in range(establishments):
                dep = deps[i % 4]
                seqs[dep] += 1
                uai = uai_for(dep, seqs[dep])
                kind = rng.choice(kinds)
                commune = rng.choice(COMMUNES[dep].split(";"))
                name = (
                    f"{labels[kind]} {rng.choice(PATRONS)}"
                    if kind not in {"circonscription", "cio", "dsden"}
                    else f"{labels[kind]} de {commune}"
                )
                copy.write_row(
                    (uai, name, kind, rng.random() > 0.12, commune, dep, "", "", f"ce.{uai}@ac-nancy-metz.fr", True)
                )
                ests.append(uai)
        raw.execute("SELECT id, uai, kind FROM annuaire_establishment")
        est_rows = raw.fetchall()
        raw.execute("SELECT id, code FROM annuaire_function")
        fn = {code: pk for pk, code in raw.fetchall()}
        names, weights = surname_pool(rng)
        surnames = rng.choices(names, weights=weights, k=people)
        firsts = rng.choices(FIRST_NAMES, k=people)
        seen: dict[str, int] = {}
        with raw.copy(
            "COPY annuaire_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined,"
            " mobile_phone, must_change_password, office_phone, email_visibility, office_phone_visibility,"
            " mobile_phone_visibility, managed_by_import) FROM STDIN"
        ) as copy:
            for last, first in zip(surnames, firsts, strict=True):
                base = (fold(first)[:1] + fold(last).replace(" ", ""))[:20]
                seen[base] = seen.get(base, 0) + 1
                ident = base if seen[base] == 1 else f"{base}{seen[base]}"
                copy.write_row(
                    (
                        "!",
                        False,
                        ident,
                        first,
                        last,
                        f"{ident}@ac-nancy-metz.fr",
                        False,
                        rng.random() > 0.02,
                        "2026-09-01 00:00:00+00",
                        "",
                        False,
                        "",
                        "tous",
                        "tous",
                        "agents",
                        True,
                    )
                )
        raw.execute("SELECT id FROM annuaire_user ORDER BY id")
        user_ids = [r[0] for r in raw.fetchall()]
        by_kind = {}
        for pk, _uai, kind in est_rows:
            by_kind.setdefault(kind, []).append(pk)
        with raw.copy(
            "COPY annuaire_assignment (user_id, function_id, establishment_id, principal) FROM STDIN"
        ) as copy:
            for uid in user_ids:
                est_id, _uai, kind = rng.choice(est_rows)
                function = {
                    "ecole": "ens-1d",
                    "college": "ens-2d",
                    "lycee": "ens-2d",
                    "lp": "ens-2d",
                    "circonscription": "ien",
                    "cio": "psy",
                    "erea": "ens-2d",
                    "dsden": "adm",
                }[kind]
                if rng.random() < 0.08:
                    function = rng.choice(["adm", "chef", "adjoint", "cpe", "infirmier"])
                copy.write_row((uid, fn[function], est_id, True))
                if rng.random() < 0.06 and kind in {"college", "lycee"}:  # shared between two establishments
                    copy.write_row((uid, fn["ens-2d"], rng.choice(by_kind[kind]), False))
        with raw.copy(
            "COPY annuaire_directorygroup (name, address, description, kind, post_policy, active, created_at) FROM STDIN"
        ) as copy:
            themes = [
                "Enseignants",
                "Professeurs principaux",
                "Équipe de direction",
                "Référents numériques",
                "Parents délégués",
                "Conseil pédagogique",
                "Coordonnateurs",
                "Équipe éducative",
                "Club",
                "Projet",
            ]
            for i in range(groups):
                kind = "discussion" if i % 5 == 0 else "liste"
                name = f"{rng.choice(themes)} {rng.choice(PATRONS)} {i}"
                copy.write_row(
                    (name, f"groupe-{i}@ac-nancy-metz.fr", "", kind, "membres", True, "2026-09-01 00:00:00+00")
                )
        raw.execute("SELECT id FROM annuaire_directorygroup ORDER BY id")
        group_ids = [r[0] for r in raw.fetchall()]
        with raw.copy(
            "COPY annuaire_groupmembership (group_id, user_id, external_email, external_name, added_at) FROM STDIN"
        ) as copy:
            for gid in group_ids:
                for uid in rng.sample(user_ids, 20):
                    copy.write_row((gid, uid, "", "", "2026-09-01 00:00:00+00"))
    print(f"  données brutes : {time.perf_counter() - t0:.1f} s", flush=True)
    from annuaire.search import rebuild_index

    t0 = time.perf_counter()
    from django.db import transaction

    with transaction.atomic():
        counts = rebuild_index()
    print(f"  index de recherche : {time.perf_counter() - t0:.1f} s {counts}", flush=True)


def query_mix(rng: random.Random, n: int) -> list[tuple[str, str]]:
    from annuaire.models import Establishment, User

    # drawn with the seeded rng (not ORDER BY random()): the same mix on every run, so runs compare
    people = list(User.objects.order_by("pk").values_list("pk", flat=True))
    sample = list(
        User.objects.filter(pk__in=rng.sample(people, min(400, len(people))))
        .order_by("pk")
        .values_list("first_name", "last_name", "username")
    )
    rng.shuffle(sample)
    places = list(Establishment.objects.order_by("pk").values_list("uai", "commune"))
    uais = rng.sample(places, min(50, len(places)))
    prefixes = [
        "ma",
        "mar",
        "st",
        "le",
        "du",
        "ber",
        "ph",
        "ch",
        "jean",
        "mart",
        "dub",
        "gar",
        "l",
        "mo",
        "sch",
        "fr",
        "ste",
        "sa",
        "be",
        "ca",
    ]
    accents = [
        "hélène",
        "émilie",
        "françois",
        "gérard",
        "lefèvre",
        "saint-dié",
        "épinal",
        "vandœuvre",
        "mézières",
        "léa",
    ]

    def typo(word: str) -> str:
        if len(word) < 5:
            return word + "x"
        i = rng.randrange(1, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]

    makers = [
        (25, "préfixe court", lambda: rng.choice(prefixes)),
        (20, "nom complet", lambda: rng.choice(sample)[1]),
        (15, "prénom nom", lambda: "{} {}".format(*rng.choice(sample)[:2])),
        (10, "nom + début du prénom", lambda: (lambda s: f"{s[1]} {s[0][:2]}")(rng.choice(sample))),
        (8, "accents", lambda: rng.choice(accents)),
        (8, "faute de frappe", lambda: typo(rng.choice(sample)[1].lower())),
        (5, "identifiant", lambda: rng.choice(sample)[2]),
        (
            5,
            "établissement",
            lambda: rng.choice(["lycee ", "college ", "ecole "]) + rng.choice(uais)[1].split("-")[0][:5],
        ),
        (4, "UAI", lambda: rng.choice(uais)[0]),
    ]
    population = [(label, maker) for weight, label, maker in makers for _ in range(weight)]
    out = []
    for _ in range(n):
        label, maker = rng.choice(population)
        out.append((label, maker()))
    return out


def time_calls(fn, queries: list[tuple[str, str]]) -> tuple[list[float], dict[str, list[float]]]:
    timings, by_label = [], {}
    for label, q in queries:
        t0 = time.perf_counter()
        fn(q)
        ms = (time.perf_counter() - t0) * 1000
        timings.append(ms)
        by_label.setdefault(label, []).append(ms)
    return timings, by_label


def bench_search(n: int) -> None:
    from django.test import Client

    from annuaire import selectors
    from annuaire.models import User
    from tests.conftest import verify_client

    rng = random.Random(7)
    queries = query_mix(rng, n)
    viewer = User.objects.filter(assignments__principal=True, is_active=True).order_by("pk").first()
    client = verify_client(Client(), viewer)
    print(f"\nRecherche : {len(queries)} requêtes, mélange réaliste (lecteur : {viewer.username})", flush=True)
    print("  charge de la machine (load average 1/5/15 min) : {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for _, q in queries[:60]:  # warm-up (caches, plans; the first request loads the middleware)
        selectors.autocomplete(viewer=viewer, query=q)
    for _, q in queries[:10]:
        client.get("/annuaire/autocomplete/", {"q": q})
        client.get("/annuaire/", {"q": q})
    results = {}
    results["autocomplete (sélecteur)"] = time_calls(lambda q: selectors.autocomplete(viewer=viewer, query=q), queries)
    results["autocomplete (requête HTTP)"] = time_calls(
        lambda q: client.get("/annuaire/autocomplete/", {"q": q}), queries
    )
    results["recherche complète (sélecteur)"] = time_calls(  # as the page calls it
        lambda q: selectors.directory_search(viewer=viewer, query=q, lean=True), queries
    )
    results["recherche complète (page HTTP)"] = time_calls(lambda q: client.get("/annuaire/", {"q": q}), queries)
    for name, (timings, _by_label) in results.items():
        print(f"  {name:34s} {fmt(timings)}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for path in ("/annuaire/autocomplete/", "/annuaire/"):
        counts = []
        for _, q in queries[:50]:
            with CaptureQueriesContext(connection) as ctx:
                client.get(path, {"q": q})
            counts.append(len(ctx))
        print(
            f"  requêtes SQL par requête HTTP {path:24s} min {min(counts)}  médiane {statistics.median(counts):g}  max {max(counts)}"
        )
    print("  charge de la machine (load average 1/5/15 min) : {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print("  détail autocomplete (sélecteur) par type de requête :")
    for label, timings in sorted(results["autocomplete (sélecteur)"][1].items()):
        print(f"    {label:24s} n={len(timings):3d}  {fmt(timings)}")
    print("  détail recherche complète (sélecteur) par type de requête :")
    for label, timings in sorted(results["recherche complète (sélecteur)"][1].items()):
        print(f"    {label:24s} n={len(timings):3d}  {fmt(timings)}")
    from annuaire import search

    for q in ["mar", "helene", "martni", "jean mar", "st die", "lycee metz", "0570054"]:
        kinds = ("person", "group") if q[0] in "mhj" else search.ALL_KINDS
        hits = selectors.autocomplete(viewer=viewer, query=q, limit=3, kinds=kinds)
        print(f"  « {q} » → " + " | ".join(f"{h['label']} ({h['detail'][:40]})" for h in hits))


def write_people_csv(path: Path, rows: int, rng: random.Random, prefix: str) -> None:
    from annuaire.models import Establishment

    uais = list(Establishment.objects.values_list("uai", flat=True))
    functions = [c for c, _ in FUNCTIONS]
    names, weights = surname_pool(rng)
    surnames = rng.choices(names, weights=weights, k=rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("identifiant;nom;prenom;courriel;telephone;uai_ou_service;fonction\n")
        for i in range(rows):
            last = surnames[i]
            first = rng.choice(FIRST_NAMES)
            ident = f"{prefix}{i:06d}"
            f.write(
                f"{ident};{last};{first};{ident}@ac-nancy-metz.fr;03 83 00 {i % 100:02d} {i % 97:02d};{rng.choice(uais)};{rng.choice(functions)}\n"
            )


def cleanup_import(prefix: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        like = prefix + "%"
        cur.execute(
            "DELETE FROM annuaire_searchtoken WHERE entry_id IN (SELECT e.id FROM annuaire_searchentry e JOIN annuaire_user u ON u.id = e.object_id AND e.kind = 'person' WHERE u.username LIKE %s)",
            [like],
        )
        cur.execute(
            "DELETE FROM annuaire_searchentry e USING annuaire_user u WHERE e.kind = 'person' AND u.id = e.object_id AND u.username LIKE %s",
            [like],
        )
        cur.execute("DELETE FROM annuaire_changerecord WHERE source = 'import'")
        cur.execute(
            "DELETE FROM annuaire_assignment a USING annuaire_user u WHERE u.id = a.user_id AND u.username LIKE %s",
            [like],
        )
        cur.execute("DELETE FROM annuaire_user WHERE username LIKE %s", [like])


def bench_import() -> None:
    from annuaire.importer import import_file

    rng = random.Random(11)
    tmp = Path(tempfile.mkdtemp(prefix="bench-annuaire-"))
    big, small = tmp / "personnes-100000.csv", tmp / "personnes-20000.csv"
    write_people_csv(big, 100_000, rng, "imp")
    write_people_csv(small, 20_000, rng, "imp")
    print(f"\nImport : fichier de 100 000 personnes ({big.stat().st_size / 1e6:.1f} Mo)", flush=True)
    cleanup_import("imp")
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    with open(big, "rb") as f:
        report = import_file(f)
    elapsed = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"  premier import (réel)      : {elapsed:6.1f} s  — {report.summary()}")
    print(f"  RSS max du processus       : {rss1 / 1024:.0f} Mo (avant : {rss0 / 1024:.0f} Mo)")
    t0 = time.perf_counter()
    with open(big, "rb") as f:
        again = import_file(f)
    print(
        f"  ré-import identique        : {time.perf_counter() - t0:6.1f} s  — {again.created} créées, {again.updated} modifiées, {again.unchanged} inchangées"
    )
    for path, label in ((small, "20 000"), (big, "100 000")):
        # a fresh process per file: its peak RSS is the import's footprint (plus Django's baseline)
        out = subprocess.run(
            [sys.executable, __file__, "--db", os.environ["BENCH_DB"], "--import-child", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"  mémoire (simulation, {label:>7s} lignes, processus neuf) : {out}")
    cleanup_import("imp")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="msg_annuaire_bench")
    parser.add_argument("--reset", action="store_true", help="recreate the bench database")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--import-child", help=argparse.SUPPRESS)
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--people", type=int, default=100_000)
    args = parser.parse_args()

    if not args.import_child:
        ensure_database(args.db, args.reset)
    os.environ["BENCH_DB"] = args.db
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    os.environ["REDIS_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "academie.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command

    from annuaire.models import User

    if args.import_child:
        from annuaire.importer import import_file

        User.objects.exists()  # connection and model caches warm: the baseline
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        with open(args.import_child, "rb") as f:
            import_file(f, dry_run=True)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"RSS de base {base / 1024:.0f} Mo, pic {peak / 1024:.0f} Mo (+{(peak - base) / 1024:.0f} Mo), {time.perf_counter() - t0:.1f} s"
        )
        return
    call_command("migrate", verbosity=0)
    if not User.objects.exists():
        generate(random.Random(42), args.people, 4_000, 2_000)
    from django.db import connection

    with connection.cursor() as cur:  # as autovacuum would: statistics and visibility map (index-only scans)
        cur.execute("VACUUM ANALYZE")
    from annuaire.models import DirectoryGroup, Establishment, SearchEntry, SearchToken, SearchWord

    print(
        f"Base {args.db} : {User.objects.count()} personnes, {Establishment.objects.count()} établissements, "
        f"{DirectoryGroup.objects.count()} groupes ; index : {SearchEntry.objects.count()} entrées, "
        f"{SearchToken.objects.count()} mots, vocabulaire {SearchWord.objects.count()}"
    )
    if not args.skip_search:
        bench_search(args.queries)
    if not args.skip_import:
        bench_import()


if __name__ == "__main__":
    main()
