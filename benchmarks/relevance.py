"""The relevance set: queries typed the way people type them, and which projects each should return.

Relevance is judged by meaning, against the archetypes of `benchmarks.corpus` (what a project *is*),
never against the words the engine indexes. An entry of `relevant` is an archetype id, optionally
restricted to languages: "structured-logging@Python" or "mobile-ui-kit@Swift|Dart". A query can also
require a topic (`topic:payments ...`) or open help-wanted issues (`has:help-wanted ...`). Archived projects
are never relevant (the issue: archived projects only when asked for).
"""

from dataclasses import dataclass

from benchmarks.corpus import Catalog, archetype_ids

AUTH = (
    "oauth-client",
    "sso-gateway",
    "jwt-validation",
    "login-ui",
    "rbac-permissions",
    "api-keys",
    "mfa",
    "mobile-auth-sdk",
)
KUBERNETES = (
    "k8s-operator-kit",
    "postgres-operator",
    "cert-operator",
    "helm-charts",
    "k8s-policies",
    "kubectl-plugins",
    "cluster-bootstrap",
)
OPERATORS = ("k8s-operator-kit", "postgres-operator", "cert-operator")
SCHEDULING = ("job-scheduler", "cron-expr", "task-queue")
FLAGS = ("feature-flags", "feature-flags-react")
CI_TEMPLATES = ("github-actions", "gitlab-ci-templates", "jenkins-shared-lib")
IOS = "Swift|Dart|TypeScript"  # Swift, Flutter and React Native SDKs all run on iOS
ANDROID = "Kotlin|Java|Dart|TypeScript"


@dataclass(frozen=True)
class RelevanceQuery:
    text: str
    relevant: tuple[str, ...]
    kind: str  # natural | typo | abbreviation | case | plural | filter
    topic: str | None = None
    help_wanted: bool = False


QUERIES: tuple[RelevanceQuery, ...] = (
    # how people ask
    RelevanceQuery("auth library", AUTH, "natural"),
    RelevanceQuery("something to schedule cron jobs", SCHEDULING, "natural"),
    RelevanceQuery("kubernetes operator", OPERATORS, "natural"),
    RelevanceQuery("feature flags for react", ("feature-flags-react", "feature-flags@TypeScript"), "natural"),
    RelevanceQuery("python logging", ("structured-logging@Python",), "natural"),
    RelevanceQuery("kafka consumer go", ("kafka-client@Go",), "natural"),
    RelevanceQuery("pdf", ("pdf-generation", "pdf-extraction"), "natural"),
    RelevanceQuery("login sso", ("sso-gateway", "login-ui", "oauth-client", "mobile-auth-sdk"), "natural"),
    RelevanceQuery("terraform aws", ("terraform-aws",), "natural"),
    RelevanceQuery("rate limiter", ("rate-limiter",), "natural"),
    RelevanceQuery("helm chart", ("helm-charts",), "natural"),
    RelevanceQuery("tracing", ("tracing",), "natural"),
    RelevanceQuery("secrets management", ("secrets-client", "secret-rotation"), "natural"),
    RelevanceQuery("vault", ("secrets-client", "secret-rotation"), "natural"),
    RelevanceQuery("etl pipeline", ("etl-framework", "cdc"), "natural"),
    RelevanceQuery(
        "ios sdk",
        (f"mobile-analytics-sdk@{IOS}", f"mobile-auth-sdk@{IOS}", f"mobile-ui-kit@{IOS}"),
        "natural",
    ),
    RelevanceQuery(
        "android",
        (
            f"mobile-analytics-sdk@{ANDROID}",
            f"mobile-auth-sdk@{ANDROID}",
            f"mobile-ui-kit@{ANDROID}",
            "push-notifications",
            "noise:mobile-apps@Kotlin",  # the shop's Android app is an Android project too
        ),
        "natural",
    ),
    RelevanceQuery("react components", ("design-system-react", "form-kit"), "natural"),
    RelevanceQuery("design system", ("design-system-react", "design-tokens", "mobile-ui-kit"), "natural"),
    RelevanceQuery("mocking http", ("http-mocks",), "natural"),
    RelevanceQuery("test data generator", ("test-data",), "natural"),
    RelevanceQuery("push notifications", ("push-notifications", "notification-hub"), "natural"),
    RelevanceQuery("geocoding", ("geocoding",), "natural"),
    RelevanceQuery("api gateway", ("api-gateway",), "natural"),
    RelevanceQuery("cli", ("dev-cli", "cli-framework", "kubectl-plugins"), "natural"),
    RelevanceQuery("ci pipeline templates", CI_TEMPLATES, "natural"),
    RelevanceQuery("github actions", ("github-actions",), "natural"),
    RelevanceQuery("elasticsearch", ("search-client", "search-service"), "natural"),
    RelevanceQuery("postgres operator", ("postgres-operator",), "natural"),
    RelevanceQuery("circuit breaker", ("resilience",), "natural"),
    RelevanceQuery("retries with backoff", ("resilience",), "natural"),
    RelevanceQuery("markdown to pdf", ("pdf-generation",), "natural"),
    RelevanceQuery("grpc", ("grpc-toolkit",), "natural"),
    RelevanceQuery("load testing", ("load-testing",), "natural"),
    RelevanceQuery("grafana dashboards", ("dashboards-as-code",), "natural"),
    RelevanceQuery("currency conversion", ("money-lib",), "natural"),
    RelevanceQuery("webhooks", ("webhook-dispatcher",), "natural"),
    RelevanceQuery("docs site generator", ("docs-site",), "natural"),
    RelevanceQuery("redis cache", ("cache-lib",), "natural"),
    RelevanceQuery(
        "i need a library to send emails", ("email-sender", "notification-hub", "email-templates"), "natural"
    ),
    # typos
    RelevanceQuery("authentification", AUTH, "typo"),
    RelevanceQuery("kuberntes operater", OPERATORS, "typo"),
    RelevanceQuery("rate limitter", ("rate-limiter",), "typo"),
    RelevanceQuery("feture flags", FLAGS, "typo"),
    RelevanceQuery("kafak consumer", ("kafka-client",), "typo"),
    RelevanceQuery("pdf genration", ("pdf-generation",), "typo"),
    RelevanceQuery("geocodeing", ("geocoding",), "typo"),
    # abbreviations
    RelevanceQuery("k8s", KUBERNETES, "abbreviation"),
    RelevanceQuery("db migrations", ("db-migrations",), "abbreviation"),
    RelevanceQuery("i18n", ("i18n-lib", "translation-sync"), "abbreviation"),
    RelevanceQuery("otel", ("tracing",), "abbreviation"),
    RelevanceQuery("2fa", ("mfa",), "abbreviation"),
    RelevanceQuery("ML feature store", ("feature-store",), "abbreviation"),
    RelevanceQuery("JWT", ("jwt-validation", "oauth-client"), "abbreviation"),
    RelevanceQuery("GDPR", ("pii-redaction",), "abbreviation"),
    RelevanceQuery("llm", ("llm-gateway",), "abbreviation"),
    # case, plural and stemming
    RelevanceQuery("OAuth2 Client", ("oauth-client", "mobile-auth-sdk"), "case"),
    RelevanceQuery("Feature Flags", FLAGS, "case"),
    RelevanceQuery("Payments", ("payments-sdk", "psp-adapters", "ledger", "money-lib"), "case"),
    RelevanceQuery("message queues", ("rabbitmq", "task-queue", "kafka-client"), "plural"),
    RelevanceQuery("caching", ("cache-lib", "http-cache"), "plural"),
    RelevanceQuery("scheduling jobs", SCHEDULING, "plural"),
    RelevanceQuery("schedulers", SCHEDULING, "plural"),
    RelevanceQuery("migrating database schemas", ("db-migrations",), "plural"),
    RelevanceQuery("structured logs", ("structured-logging",), "plural"),
    RelevanceQuery("translations", ("i18n-lib", "translation-sync"), "plural"),
    RelevanceQuery("resize images", ("image-resizer",), "plural"),
    RelevanceQuery("orms", ("orm",), "plural"),
    # filters
    RelevanceQuery("lang:go metrics", ("metrics-client@Go", "prom-exporters@Go"), "filter"),
    RelevanceQuery("topic:payments sdk", ("payments-sdk",), "filter", topic="payments"),
    RelevanceQuery("lang:python logging", ("structured-logging@Python",), "filter"),
    RelevanceQuery("has:help-wanted kubernetes", KUBERNETES, "filter", help_wanted=True),
    RelevanceQuery(
        "lang:java kafka", ("kafka-client@Java", "event-schemas@Java", "outbox@Java", "cdc@Java"), "filter"
    ),
)


def matches(entry: str, archetype: str, language: str | None) -> bool:
    wanted, _, languages = entry.partition("@")
    if wanted != archetype:
        return False
    return not languages or (language or "") in languages.split("|")


def relevant_keys(query: RelevanceQuery, catalog: Catalog) -> set[str]:
    keys = set()
    for record in catalog.records:
        if record.archived:
            continue
        archetype = catalog.archetype[record.key]
        if not any(matches(entry, archetype, record.language) for entry in query.relevant):
            continue
        if query.topic is not None and query.topic not in record.metadata.topics:
            continue
        if query.help_wanted and not catalog.help_wanted(record.key):
            continue
        keys.add(record.key)
    return keys


def check() -> list[str]:
    """Relevance entries that name no archetype (a typo in this file)."""
    known = archetype_ids()
    return [
        f"{q.text!r}: unknown archetype {entry.partition('@')[0]!r}"
        for q in QUERIES
        for entry in q.relevant
        if entry.partition("@")[0] not in known
    ]
