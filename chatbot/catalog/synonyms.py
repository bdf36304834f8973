"""A curated map of synonyms and abbreviations for software projects.

Each group lists words people use for the same thing; a search term from a group also matches the
others. Multi-word entries match as phrases. Keep groups tight: a loose synonym costs precision.
"""

GROUPS: tuple[tuple[str, ...], ...] = (
    (
        "auth",
        "authentication",
        "authn",
        "authorization",
        "authz",
        "oauth",
        "oauth2",
        "oidc",
        "openid",
        "login",
        "signin",
        "sso",
        "saml",
        "jwt",
        "identity",
    ),
    ("k8s", "kubernetes", "kube"),
    ("operator", "controller", "crd"),
    ("db", "database", "databases", "sql", "postgres", "postgresql", "mysql"),
    ("migration", "migrations", "schema migration"),
    ("cron", "scheduler", "scheduling", "schedule", "job", "jobs"),
    ("queue", "queues", "messaging", "kafka", "rabbitmq", "pubsub", "broker", "event bus"),
    ("log", "logs", "logging", "logger"),
    ("metrics", "monitoring", "observability", "telemetry", "prometheus", "opentelemetry", "otel"),
    ("tracing", "traces", "opentelemetry", "otel"),
    ("flag", "flags", "feature flag", "feature toggle", "toggles"),
    ("ci", "cd", "cicd", "pipeline", "pipelines", "continuous integration", "github actions"),
    ("iac", "terraform", "infrastructure as code", "hcl"),
    ("secret", "secrets", "vault", "credentials"),
    ("ml", "machine learning"),
    ("ai", "llm", "machine learning"),
    ("etl", "data pipeline", "ingestion", "elt"),
    ("ui", "frontend", "front end", "components", "design system"),
    ("js", "javascript", "node", "nodejs", "node.js"),
    ("ts", "typescript"),
    ("py", "python"),
    ("golang", "go"),
    ("rb", "ruby"),
    ("kt", "kotlin"),
    ("rs", "rust"),
    ("cli", "command line", "terminal"),
    ("api", "rest", "http api"),
    ("gateway", "proxy", "reverse proxy", "ingress"),
    ("cache", "caching", "redis", "memcached"),
    ("rate limit", "rate limiter", "ratelimit", "throttle", "throttling"),
    ("pdf", "document rendering"),  # not "documents": it stems like "documentation"
    ("docs", "documentation", "docsite", "static site"),
    ("i18n", "l10n", "localization", "localisation", "internationalization", "translation", "translations"),
    ("payment", "payments", "billing", "checkout"),
    ("email", "mail", "smtp", "notification", "notifications"),
    ("test", "testing", "tests", "mock", "mocking", "fixtures"),
    ("mobile", "ios", "android"),
    ("sdk", "client library"),
    ("config", "configuration", "settings"),
    ("search", "elasticsearch", "opensearch", "full text"),
    ("chart", "charts", "helm"),
    ("container", "containers", "docker"),
    ("analytics", "tracking"),
    ("geo", "maps", "geospatial", "gis"),
    ("storage", "blob", "s3", "object storage"),
    ("security", "scanner", "vulnerability", "sast"),
)

_BY_WORD: dict[str, tuple[str, ...]] = {}
for _group in GROUPS:
    for _word in _group:
        _BY_WORD[_word] = tuple(dict.fromkeys(_BY_WORD.get(_word, ()) + _group))


def expand(term: str) -> tuple[str, ...]:
    """The term first, then its synonyms (which may be phrases)."""
    others = tuple(w for w in _BY_WORD.get(term, ()) if w != term)
    return (term, *others)
