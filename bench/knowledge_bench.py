"""Knowledge search benchmark on PostgreSQL: N published articles, search latency percentiles.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssm_bench \
        .venv/bin/python bench/knowledge_bench.py [--n 100000] [--queries 200] [--keepdb]

Builds a throwaway test database (test_<name>, as the test runner does), fills
it with bulk inserts, stores the search vectors with one UPDATE, then times
the same search function the portal, API and suggestions use, as a
participant (audience filter applied) and as a desk agent. Prints p50/p95/max.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switching_sm.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Organisation, Role, User  # noqa: E402
from knowledge.models import Article, ArticleVersion  # noqa: E402
from knowledge.search import search_articles, with_snippets  # noqa: E402

DOMAIN = ("switch request rejected address mismatch registration gas electricity supplier "
          "shipper meter MPAN MPRN outage planned workaround rejection code file flow CSS "
          "UK Link ECOES DES MPAS DCC notification secured gate closure objection cancel "
          "resubmit validation REL postcode flat building energisation confirmation date "
          "settlement smart portal incident severity desk provider schedule change window "
          "cutover maintenance queue delay timeout certificate token API error retry").split()
FILLER = ("the a of to and in for is on with when your this that be by as it can not "
          "check then must will after before each any all more than within day days").split()
TYPES = Article.Type.values
AUDIENCES = (["public"] * 20 + ["participants"] * 40 + ["market_role"] * 10
             + ["providers"] * 15 + ["internal"] * 15)
ROLES = Organisation.MarketRole.values


def vocabulary(size=30_000):
    """Return (words, cumulative weights): Zipf-distributed, like real text.

    Stop words take the top ranks; the domain words are spread over ranks 30-3000,
    so some queries match tens of thousands of articles and most match far fewer.
    """
    rng = random.Random(5)
    letters = "bcdfghjklmnprstvwz"
    vowels = "aeiou"
    invented = {"".join(rng.choice(letters) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))
                for _ in range(size)}
    words = list(FILLER) + sorted(invented)
    for index, word in enumerate(DOMAIN):
        words.insert(30 + index * 30, word)
    cumulative, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1 / rank
        cumulative.append(total)
    return words, cumulative


WORDS, CUMULATIVE = vocabulary()


def sentence(rng, words):
    picked = rng.choices(WORDS, cum_weights=CUMULATIVE, k=words)
    return " ".join(picked).capitalize() + "."


def build(n, batch=5000):
    rng = random.Random(6)
    desk_org, _ = Organisation.objects.get_or_create(
        short_code="service-desk",
        defaults={"name": "Switching Service Desk", "kind": Organisation.Kind.SERVICE_DESK})
    owner, _ = User.objects.get_or_create(
        username="bench-desk", defaults={"organisation": desk_org, "role": Role.SERVICE_DESK})
    now = timezone.now()
    made = 0
    while made < n:
        size = min(batch, n - made)
        articles = []
        for _ in range(size):
            audience = rng.choice(AUDIENCES)
            articles.append(Article(
                article_type=rng.choice(TYPES), audience=audience,
                audience_market_role=rng.choice(ROLES) if audience == "market_role" else "",
                owner=owner, review_by=date.today() + timedelta(days=rng.randint(-30, 365)),
                status=Article.Status.PUBLISHED, title=sentence(rng, rng.randint(4, 9))[:200],
                summary=sentence(rng, 14)[:400],
                body=" ".join(sentence(rng, rng.randint(8, 16)) for _ in range(12)),
                published_at=now - timedelta(minutes=rng.randint(0, 10**6)),
            ))
        Article.objects.bulk_create(articles)
        # bulk_create skips ArticleVersion.save(), so plain_body is set here (the body is plain).
        ArticleVersion.objects.bulk_create([
            ArticleVersion(article=a, number=1, title=a.title, summary=a.summary, body=a.body,
                           plain_body=a.body, created_by=owner) for a in articles
        ])
        made += size
        print(f"  inserted {made}/{n}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE knowledge_article a SET published_version_id = v.id FROM "
            "knowledge_articleversion v WHERE v.article_id = a.id AND v.number = 1 "
            "AND a.published_version_id IS NULL")
        # What Article.transition("publish") writes, for every article at once.
        cursor.execute(
            "INSERT INTO knowledge_publishedarticle"
            " (article_id, audience, audience_market_role, published_at, document, rank_vector)"
            " SELECT a.id, a.audience, a.audience_market_role, a.published_at,"
            " setweight(to_tsvector('english', v.title), 'A')"
            " || setweight(to_tsvector('english', v.summary), 'B')"
            " || setweight(to_tsvector('english', v.plain_body), 'C'),"
            " setweight(to_tsvector('english', v.title), 'A')"
            " || setweight(to_tsvector('english', v.summary), 'B')"
            " FROM knowledge_article a JOIN knowledge_articleversion v"
            " ON v.id = a.published_version_id"
            " ON CONFLICT (article_id) DO NOTHING")
        cursor.execute("ANALYZE knowledge_article; ANALYZE knowledge_articleversion;"
                       " ANALYZE knowledge_publishedarticle;")


def reader(username, role, kind, market_role=""):
    org, _ = Organisation.objects.get_or_create(
        short_code=f"bench-{username}",
        defaults={"name": f"Bench {username}", "kind": kind, "market_role": market_role})
    user, _ = User.objects.get_or_create(username=username,
                                         defaults={"organisation": org, "role": role})
    return user


def percentile(samples, pct):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def time_queries(user, queries, *, match_any, limit):
    samples = []
    for text in queries:
        start = time.perf_counter()
        with_snippets(search_articles(user=user, text=text, match_any=match_any)[:limit], text)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles to create")
    parser.add_argument("--queries", type=int, default=200, help="searches per scenario")
    parser.add_argument("--keepdb", action="store_true", help="reuse and keep the bench DB")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL: set DATABASE_URL=postgres://... (SQLite has no FTS).")
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False,
                                                 keepdb=args.keepdb)
    print(f"database {test_db}")
    try:
        existing = Article.objects.count()
        if existing < args.n:
            started = time.perf_counter()
            build(args.n - existing)
            print(f"built {args.n - existing} articles in {time.perf_counter() - started:.1f}s")
        rng = random.Random(7)
        queries = []
        for _ in range(args.queries):
            words = rng.sample(DOMAIN, rng.randint(1, 3))
            if rng.random() < 0.5:  # someone still typing: a prefix of the last word
                words[-1] = words[-1][:max(3, len(words[-1]) - 2)]
            queries.append(" ".join(words))
        supplier = reader("bench-supplier", Role.MARKET_PARTICIPANT,
                          Organisation.Kind.MARKET_PARTICIPANT, "energy_supplier")
        desk = User.objects.get(username="bench-desk")
        time_queries(supplier, queries[:20], match_any=False, limit=25)  # warm caches
        print(f"{Article.objects.count()} articles; {len(queries)} queries per scenario (ms)")
        print(f"{'scenario':<38}{'p50':>8}{'p95':>8}{'max':>8}")
        for label, user, match_any, limit in [
            ("search page, participant (all words)", supplier, False, 25),
            ("search page, desk (all words)", desk, False, 25),
            ("suggestions, participant (any word)", supplier, True, 5),
        ]:
            samples = time_queries(user, queries, match_any=match_any, limit=limit)
            print(f"{label:<38}{statistics.median(samples):8.1f}"
                  f"{percentile(samples, 95):8.1f}{max(samples):8.1f}")
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
