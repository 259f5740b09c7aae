"""Search across requests, customers and deals, and the duplicate hints of the request form.

On PostgreSQL, requests are found by full-text search over their title and problem (ranked,
the title weighing more) and by trigram word similarity on the title and on the names of
their deals and customers, so a typo ("expot") still finds "Bulk export". Customers and deals
are found by trigram word similarity on their names. Every condition here has an index
(feature_requests/migrations/0004_search_indexes.py): the full-text vector below is written
exactly as that index's expression, or the planner would not use it.

SQLite (the embedded `make run`) has neither, so it falls back to a case-insensitive
"contains" on the same fields, and to word overlap for duplicate hints.

Each kind is one query: its first rows and, in a window over the same rows, how many matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramSimilarity,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Greatest

from accounts.models import User
from feature_requests.models import Customer, Deal, FeatureRequest, RequestDeal

MAX_QUERY_LENGTH = 200
PER_KIND = 10  # rows shown per kind; the rest are counted
HINTS = 5  # duplicate hints shown under the title
MIN_HINT_LENGTH = 4  # a shorter title hints nothing useful
SEARCH_CONFIG = "english"
# Requests a new one may duplicate: still open (a merged or declined one is not a home).
OPEN_STATUSES = (
    FeatureRequest.Status.SUBMITTED,
    FeatureRequest.Status.RANKED,
    FeatureRequest.Status.COMMITTED,
    FeatureRequest.Status.DEFERRED,
    FeatureRequest.Status.IN_PROGRESS,
)
# Duplicate hints below this word similarity (0..1) are noise.
HINT_MIN_SIMILARITY = 0.3

_Row = TypeVar("_Row")


@dataclass
class Found(Generic[_Row]):
    rows: list[_Row] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return max(self.total - len(self.rows), 0)


@dataclass
class SearchResults:
    text: str
    requests: Found[FeatureRequest]
    customers: Found[Customer]
    deals: Found[Deal]

    @property
    def total(self) -> int:
        return self.requests.total + self.customers.total + self.deals.total


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def request_vector() -> CombinedExpression:
    """The requests' full-text vector; the GIN index in migration 0004 is this expression."""
    return SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "problem", weight="B", config=SEARCH_CONFIG
    )


def _word_similar(text: str, column: str) -> Func:
    """`text <% column`: some word run of `column` is similar to `text` (pg_trgm's
    word_similarity over its threshold, 0.6), answered from the column's trigram index."""
    # `%%`: the SQL goes through the driver's parameter formatting, which reads one `%`.
    return Func(
        Value(text),
        F(column),
        arg_joiner=" <%% ",
        template="%(expressions)s",
        output_field=BooleanField(),
    )


def _counted(rows: QuerySet[Any], limit: int) -> Found[Any]:
    """The first `limit` rows and the number of all matching rows, in one query."""
    found = list(rows.annotate(found_total=Window(Count("*")))[:limit])
    return Found(rows=found, total=found[0].found_total if found else 0)


def _requests_pg(text: str) -> QuerySet[FeatureRequest]:
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    vector = request_vector()
    # Each branch is answered from its own index; the union keeps the outer query to the
    # matches, so the rank is computed for them only.
    by_text = FeatureRequest.objects.annotate(v=vector).filter(v=query).order_by().values("pk")
    by_title = FeatureRequest.objects.filter(_word_similar(text, "title")).order_by().values("pk")
    # Deal names and customer names in branches of their own: an OR across the join would
    # read every deal instead of the two names' indexes.
    deals = Deal.objects.filter(_word_similar(text, "name")).values("pk")
    customers = Customer.objects.filter(_word_similar(text, "name")).values("pk")
    by_deal = RequestDeal.objects.filter(deal__in=deals).values("request_id")
    by_customer = RequestDeal.objects.filter(deal__customer__in=customers).values("request_id")
    matched = by_text.union(by_title, by_deal, by_customer)
    return (
        FeatureRequest.objects.filter(pk__in=matched)
        .annotate(
            score=Greatest(
                SearchRank(vector, query),
                TrigramWordSimilarity(text, "title"),
            )
        )
        .order_by("-score", "-created_at", "-pk")
    )


def _requests_fallback(text: str) -> QuerySet[FeatureRequest]:
    linked = RequestDeal.objects.filter(
        Q(deal__name__icontains=text) | Q(deal__customer__name__icontains=text)
    ).values("request_id")
    return FeatureRequest.objects.filter(
        Q(title__icontains=text) | Q(problem__icontains=text) | Q(pk__in=linked)
    ).order_by("-created_at", "-pk")


def _customers(text: str) -> QuerySet[Customer]:
    if _postgres():
        return (
            Customer.objects.filter(_word_similar(text, "name"))
            .annotate(score=TrigramWordSimilarity(text, "name"))
            .order_by("-score", "name", "pk")
        )
    return Customer.objects.filter(name__icontains=text).order_by("name", "pk")


def _deals(text: str) -> QuerySet[Deal]:
    """Deals by their name or their customer's ("Acme" finds Acme's deals)."""
    if _postgres():
        customers = Customer.objects.filter(_word_similar(text, "name")).values("pk")
        return (
            Deal.objects.filter(Q(_word_similar(text, "name")) | Q(customer__in=customers))
            .annotate(
                score=Greatest(
                    TrigramWordSimilarity(text, "name"),
                    TrigramWordSimilarity(text, "customer__name"),
                )
            )
            .order_by("-score", "customer__name", "name", "pk")
        )
    return Deal.objects.filter(
        Q(name__icontains=text) | Q(customer__name__icontains=text)
    ).order_by("customer__name", "name", "pk")


def search(*, user: User, text: str, limit: int = PER_KIND) -> SearchResults:
    """Requests, customers and deals matching `text`, best first, `limit` of each.

    Everyone who may search may view every request, customer and deal (the deal list shows a
    rep everyone's deals too), so nothing is filtered out by role here: a view that calls this
    has checked VIEW_REQUESTS and VIEW_CUSTOMERS for `user`.
    """
    text = text.strip()[:MAX_QUERY_LENGTH]
    requests = _requests_pg(text) if _postgres() else _requests_fallback(text)
    requests = requests.select_related("submitted_by")
    deals = _deals(text).select_related("customer", "owner")
    customers = _customers(text)
    return SearchResults(
        text=text,
        requests=_counted(requests, limit),
        customers=_counted(customers, limit),
        deals=_counted(deals, limit),
    )


_WORD = re.compile(r"\w{3,}")
_STOP_WORDS = frozenset({"the", "and", "for", "with", "from", "into", "our", "their", "not"})


def _words(text: str) -> set[str]:
    return {word for word in _WORD.findall(text.lower()) if word not in _STOP_WORDS}


def _overlap(words: set[str], others: set[str]) -> float:
    """The words two titles share, of all the words in either (Jaccard): 0..1, like trigram
    similarity, so one threshold serves both."""
    return len(words & others) / len(words | others) if words or others else 0.0


def duplicate_candidates(
    *, title: str, exclude: FeatureRequest | None = None, limit: int = HINTS
) -> list[FeatureRequest]:
    """The open requests whose titles are closest to `title`, closest first: trigram word
    similarity on PostgreSQL (one indexed query); on SQLite, the most words in common."""
    title = title.strip()[:MAX_QUERY_LENGTH]
    if len(title) < MIN_HINT_LENGTH:
        return []
    requests = FeatureRequest.objects.filter(status__in=OPEN_STATUSES).select_related("quarter")
    if exclude is not None:
        requests = requests.exclude(pk=exclude.pk)
    if _postgres():
        return list(
            requests.filter(_word_similar(title, "title") | _title_similar(title))
            .annotate(similarity=_hint_similarity(title))
            .filter(similarity__gte=HINT_MIN_SIMILARITY)
            .order_by("-similarity", "-created_at", "-pk")[:limit]
        )
    words = _words(title)
    if not words:
        return []
    condition = Q()
    for word in words:
        condition |= Q(title__icontains=word)
    # Bounded: the rows that share a word, newest first, then scored here.
    rows = list(requests.filter(condition).order_by("-created_at", "-pk")[:200])
    scored = [(_overlap(words, _words(row.title)), row) for row in rows]
    scored = [(score, row) for score, row in scored if score >= HINT_MIN_SIMILARITY]
    scored.sort(key=lambda pair: -pair[0])
    return [row for _score, row in scored[:limit]]


def _title_similar(text: str) -> Func:
    """`title % text`: the two titles are similar as wholes (pg_trgm's similarity over 0.3),
    as "Audit log export" is to "Audit log export to S3"; answered from the title's trigram
    index. (`title <% text` would say it better, but no index answers it.)"""
    return Func(
        F("title"),
        Value(text),
        arg_joiner=" %% ",
        template="%(expressions)s",
        output_field=BooleanField(),
    )


def _hint_similarity(text: str) -> Greatest:
    """How close an existing title is to the one typed: the typed words in the title, the
    title in the typed words, or the two as wholes, whichever is closest."""
    return Greatest(
        TrigramWordSimilarity(text, "title"),
        Func(F("title"), Value(text), function="WORD_SIMILARITY", output_field=FloatField()),
        TrigramSimilarity("title", text),
    )


# The triage queue's candidates, for every card at once: one query, not one per card.
_CANDIDATES_SQL = """
SELECT fr.id, c.id, c.title, c.status
FROM feature_requests_featurerequest fr
CROSS JOIN LATERAL (
    SELECT o.id, o.title, o.status, o.created_at,
           GREATEST(
               word_similarity(fr.title, o.title),
               word_similarity(o.title, fr.title),
               similarity(o.title, fr.title)
           ) AS sim
    FROM feature_requests_featurerequest o
    WHERE o.status = ANY(%s) AND o.id <> fr.id
      AND (fr.title <%% o.title OR o.title %% fr.title)
    ORDER BY sim DESC, o.created_at DESC, o.id DESC
    LIMIT %s
) c
WHERE fr.id = ANY(%s) AND c.sim >= %s
ORDER BY fr.id, c.sim DESC, c.created_at DESC, c.id DESC
"""


def duplicate_candidates_for(
    *, requests: list[FeatureRequest], limit: int = 3
) -> dict[int, list[FeatureRequest]]:
    """For each of `requests`, the open requests (other than itself) whose titles are
    closest to its title, closest first: what triage offers to merge it into. The rows carry
    id, title and status only."""
    found: dict[int, list[FeatureRequest]] = {row.pk: [] for row in requests}
    if not requests:
        return found
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                _CANDIDATES_SQL,
                [list(OPEN_STATUSES), limit, list(found), HINT_MIN_SIMILARITY],
            )
            for for_id, pk, title, status in cursor.fetchall():
                found[for_id].append(FeatureRequest(pk=pk, title=title, status=status))
        return found
    words_of = {row.pk: _words(row.title) for row in requests}
    every_word = set().union(*words_of.values())
    if not every_word:
        return found
    condition = Q()
    for word in every_word:
        condition |= Q(title__icontains=word)
    pool = list(
        FeatureRequest.objects.filter(condition, status__in=OPEN_STATUSES)
        .only("id", "title", "status")
        .order_by("-created_at", "-pk")[:500]
    )
    for row in requests:
        words = words_of[row.pk]
        if not words:
            continue
        scored = [
            (_overlap(words, _words(other.title)), other) for other in pool if other.pk != row.pk
        ]
        scored = [(score, other) for score, other in scored if score >= HINT_MIN_SIMILARITY]
        scored.sort(key=lambda pair: -pair[0])
        found[row.pk] = [other for _score, other in scored[:limit]]
    return found
