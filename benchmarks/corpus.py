"""A generated InnerSource catalog of a fictional large company, for the search benchmarks.

About 90 hand-written project archetypes (identity, payments, Kubernetes, scheduling, feature flags,
observability, databases, messaging, CI/CD, Terraform, ML, mobile, frontend, PDF, search, i18n, testing,
notifications, geo, images, ...) are instantiated across teams with name variants, language ports, legacy
and forked copies, plus unrelated team projects (some with misleading words: "author", "operator",
"shift schedules", "country flags") and plain noise. Stars, forks, pushes and weekly commits vary so that
activity scores spread. Every text here is written for this benchmark.

    catalog = build_catalog(1_000, seed=42)      # records + the archetype of each + open issues
    records = generate(1_000, seed=42)           # just the ProjectRecords
    load(engine, catalog)                        # upsert_projects for small catalogs, bulk inserts above 10k

The archetype of a project is kept beside the records (never stored in the database), so relevance is
judged by what a project is, not by the words the search engine sees.
"""

import math
import random
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert
from sqlmodel import Session, select

from chatbot.catalog.records import InnerSourceMetadata, ProjectRecord
from chatbot.catalog.store import record_columns, score_of, upsert_projects
from chatbot.db import session_scope
from chatbot.models import Issue, Project, ProjectOwner

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
HOST = "git.acme.example"
SOURCE = "github"
ORIGIN = "github:benchmark"
BULK_THRESHOLD = 10_000  # above this many projects `load` inserts rows directly instead of upsert_projects
ARCHETYPE_SHARE = 0.66  # the rest is unrelated team projects and noise
THEMED_NOISE_SHARE = 0.16


@dataclass(frozen=True)
class Archetype:
    id: str
    domain: str
    names: tuple[tuple[str, str], ...]  # (repository slug, title); may use {plat} / {ptitle}
    descriptions: tuple[str, ...]
    motivations: tuple[str, ...]
    topics: tuple[str, ...]  # the first one is always set when a project has topics
    skills: tuple[str, ...]
    languages: tuple[str, ...]  # cycled through, so repeats set the proportions
    weight: float = 1.0
    noise: bool = False


@dataclass(frozen=True)
class IssueSpec:
    number: int
    title: str
    labels: tuple[str, ...]
    created_at: datetime


@dataclass
class Catalog:
    records: list[ProjectRecord]
    archetype: dict[str, str] = field(default_factory=dict)  # record key -> archetype id ("noise:...")
    issues: dict[str, list[IssueSpec]] = field(default_factory=dict)  # record key -> open issues

    def help_wanted(self, key: str) -> bool:
        return any("help wanted" in i.labels for i in self.issues.get(key, []))


def _a(
    id: str,
    domain: str,
    names: str,
    descriptions: Sequence[str],
    motivations: Sequence[str],
    topics: str,
    skills: str,
    languages: str,
    weight: float = 1.0,
    noise: bool = False,
) -> Archetype:
    pairs = []
    for entry in names.split(";"):
        slug, _, title = entry.strip().partition("|")
        pairs.append((slug.strip(), title.strip()))
    return Archetype(
        id=id,
        domain=domain,
        names=tuple(pairs),
        descriptions=tuple(descriptions),
        motivations=tuple(motivations),
        topics=tuple(topics.split()),
        skills=tuple(s.strip() for s in skills.split(";") if s.strip()),
        languages=tuple(s.strip() for s in languages.split(",")),
        weight=weight,
        noise=noise,
    )


# --- the archetypes ------------------------------------------------------------------------------
# Placeholders: {lang} the language, {platform} the mobile platform ("iOS", "Flutter (iOS and Android)"),
# {Org} the owning team's display name. In names, {plat} is a platform slug and {ptitle} its title.

ARCHETYPES: tuple[Archetype, ...] = (
    # identity and access
    _a(
        "oauth-client",
        "identity",
        "oauth2-client|OAuth2 Client; oidc-client|OIDC Client; authkit|AuthKit; "
        "token-broker-client|Token Broker Client",
        [
            "OAuth 2.0 / OpenID Connect client for {lang} services: authorization code with PKCE, client "
            "credentials and automatic token refresh.",
            "Drop-in {lang} library to obtain and cache access tokens from the company identity provider.",
            "Authentication client that speaks OIDC discovery, validates ID tokens and refreshes sessions in "
            "the background.",
        ],
        [
            "Every team was hand-rolling token handling against the IdP, usually with subtle refresh bugs. "
            "One well-tested client keeps sign-in consistent.",
            "Getting authentication right is hard; this wraps the identity provider so services call one "
            "function to get a valid token.",
        ],
        "oauth2 authentication oidc identity security tokens",
        "OAuth 2.0; OpenID Connect; {lang}",
        "Go, Java, Python, TypeScript, Kotlin",
        weight=1.5,
    ),
    _a(
        "sso-gateway",
        "identity",
        "sso-proxy|SSO Proxy; saml-bridge|SAML Bridge; single-sign-on|Single Sign-On Gateway; "
        "idp-connector|IdP Connector",
        [
            "Reverse proxy that puts single sign-on (SAML 2.0 and OIDC) in front of internal web tools "
            "without code changes.",
            "Bridges legacy SAML identity providers to OpenID Connect so apps can offer one company login.",
            "Federated login for back-office apps: employees sign in once with their corporate account.",
        ],
        [
            "Dozens of internal dashboards each had their own password database. Putting SSO in front of "
            "them removes the accounts and the audits that come with them.",
            "Security asked for MFA on every internal tool; routing logins through one gateway made that a "
            "config change.",
        ],
        "sso saml oidc login identity authentication",
        "SAML; OIDC; Nginx; {lang}",
        "Go, Go, Java, TypeScript",
        weight=1.2,
    ),
    _a(
        "jwt-validation",
        "identity",
        "jwt-verify|JWT Verify; token-middleware|Token Middleware; jwt-guard|JWT Guard; "
        "authn-middleware|Authn Middleware",
        [
            "Middleware that validates JWT bearer tokens (signature, expiry, audience) with cached JWKS keys "
            "for {lang} HTTP servers.",
            "Verifies access tokens on incoming requests and exposes the caller's identity and scopes to "
            "handlers.",
            "Tiny {lang} package for checking signed tokens issued by the identity platform, with key "
            "rotation handled for you.",
        ],
        [
            "Services were skipping audience checks or fetching signing keys on every request. This does "
            "token verification correctly and fast.",
            "A shared way to authenticate service-to-service calls.",
        ],
        "jwt authentication middleware security tokens",
        "JWT; {lang}; HTTP",
        "Go, Java, Python, TypeScript, Go",
    ),
    _a(
        "login-ui",
        "identity",
        "login-widget|Login Widget; signin-page|Sign-in Page; auth-ui|Auth UI; account-login|Account Login",
        [
            "Hosted sign-in and sign-up pages with social login, passwordless e-mail links and the company "
            "branding.",
            "Embeddable login form component that handles the whole authentication flow for customer-facing "
            "web apps.",
            "Customer login experience: username and password, passkeys and 'forgot password', themable per "
            "brand.",
        ],
        [
            "Each storefront built its own login page and each got the security details slightly wrong. One "
            "shared sign-in experience fixes that once.",
            "Conversion drops on every extra login step; this keeps the flow short and accessible.",
        ],
        "login authentication frontend passkeys customer-identity",
        "React; TypeScript; Accessibility; WebAuthn",
        "TypeScript, TypeScript, JavaScript",
    ),
    _a(
        "rbac-permissions",
        "identity",
        "permissions-service|Permissions Service; rbac|RBAC; policy-engine|Policy Engine; "
        "access-control|Access Control",
        [
            "Role-based and attribute-based access control: define roles and policies once, check "
            "permissions from any service.",
            "Authorization service answering 'can user X do Y on Z' with policies written in Rego.",
            "Fine-grained permission checks for {lang} apps, backed by the central entitlement store.",
        ],
        [
            "Permission logic was scattered in if-statements across services. Centralising authorization "
            "makes audits possible.",
            "Compliance needs to know who can approve refunds; policies as code answer that.",
        ],
        "authorization rbac permissions opa security",
        "OPA/Rego; {lang}; Security",
        "Go, Java, Python",
    ),
    _a(
        "api-keys",
        "identity",
        "api-key-service|API Key Service; apikeys|API Keys; partner-credentials|Partner Credentials",
        [
            "Issue, rotate and revoke API keys for partners and internal clients, with per-key scopes and "
            "usage limits.",
            "Credential management for machine clients: hashed API keys, expiry and self-service rotation.",
        ],
        [
            "Partner integrations were sharing one static key. Per-partner keys with scopes make revocation "
            "painless."
        ],
        "api-keys authentication partners security",
        "{lang}; PostgreSQL; Security",
        "Go, Java, Kotlin",
        weight=0.7,
    ),
    _a(
        "mfa",
        "identity",
        "mfa-service|MFA Service; two-factor|Two-Factor; otp-verify|OTP Verify; step-up-auth|Step-up Auth",
        [
            "Multi-factor authentication: TOTP apps, SMS codes and push approvals behind one API.",
            "Step-up verification for sensitive actions (payouts, address changes) using one-time passwords "
            "or WebAuthn.",
        ],
        [
            "Account takeover attempts doubled last year; a second factor on risky actions is the cheapest "
            "defence."
        ],
        "mfa 2fa authentication security webauthn",
        "{lang}; WebAuthn; Security",
        "Java, Go, Kotlin",
        weight=1.1,
    ),
    # payments and money
    _a(
        "payments-sdk",
        "payments",
        "payments-sdk|Payments SDK; payments-client|Payments Client; checkout-payments-sdk|Checkout "
        "Payments SDK; pay-api-client|Pay API Client",
        [
            "Client SDK for the Payments API in {lang}: create payment intents, capture, refund and handle "
            "webhooks with typed models.",
            "Typed {lang} client for charging cards and wallets through the central payments platform, with "
            "retries and idempotency keys.",
            "Official {lang} bindings for the payments platform, generated from its OpenAPI spec and "
            "hand-polished.",
        ],
        [
            "Teams integrating payments were copying HTTP snippets from the wiki and forgetting idempotency "
            "keys. The SDK makes the safe path the easy one.",
            "Double charges are expensive. A shared client with idempotency built in stops them.",
        ],
        "payments sdk checkout api-client fintech",
        "{lang}; REST; Payments",
        "Java, Python, Go, TypeScript, Kotlin",
        weight=1.5,
    ),
    _a(
        "psp-adapters",
        "payments",
        "psp-adapters|PSP Adapters; card-processor-connectors|Card Processor Connectors; "
        "payment-gateway-integrations|Payment Gateway Integrations; acquirer-bridge|Acquirer Bridge",
        [
            "Adapters to external payment service providers (card acquirers, PayPal, local wallets) behind "
            "one interface.",
            "Connectors translating our payment requests to each processor's API, including 3-D Secure "
            "challenges and settlement files.",
        ],
        [
            "Adding a new country meant another bespoke processor integration. A common adapter interface "
            "cuts that to days."
        ],
        "payments psp integrations 3ds fintech",
        "{lang}; Payments; ISO 8583",
        "Java, Java, Kotlin, Go",
    ),
    _a(
        "ledger",
        "payments",
        "ledger|Ledger; double-entry-ledger|Double-Entry Ledger; balances-service|Balances Service; "
        "bookkeeping|Bookkeeping",
        [
            "Double-entry ledger for money movements: immutable journal, balances per account and daily "
            "reconciliation.",
            "Accounting core recording every transfer as balanced debits and credits, with an audit trail.",
        ],
        [
            "Finance reconciled spreadsheets against three databases each month. One ledger is the source of "
            "truth."
        ],
        "ledger accounting payments finance reconciliation",
        "{lang}; PostgreSQL; Accounting",
        "Java, Kotlin, Go, Scala",
    ),
    _a(
        "money-lib",
        "payments",
        "money|Money; currency-utils|Currency Utils; fx-rates|FX Rates; price-math|Price Math",
        [
            "Money and currency types for {lang}: exact decimal arithmetic, rounding rules per currency and "
            "formatting.",
            "Currency conversion with daily exchange rates from the treasury feed, plus safe money "
            "arithmetic.",
        ],
        [
            "Floating-point prices caused cent differences between invoices and payments. A proper money "
            "type ends that."
        ],
        "money currency fx payments decimal",
        "{lang}",
        "Java, Python, TypeScript, Go, Kotlin",
        weight=1.3,
    ),
    _a(
        "invoicing",
        "payments",
        "invoice-service|Invoice Service; billing-documents|Billing Documents; invoicing|Invoicing; "
        "credit-notes|Credit Notes",
        [
            "Creates legally compliant invoices and credit notes for every order, numbered per country and "
            "archived for ten years.",
            "Billing documents for B2B customers: invoice runs, tax lines and delivery as PDF or e-invoice "
            "(XRechnung, Peppol).",
        ],
        ["Tax rules differ per country; keeping invoice logic in one place keeps auditors happy."],
        "invoicing billing tax finance",
        "{lang}; Tax rules",
        "Java, Kotlin, Python",
    ),
    # Kubernetes
    _a(
        "k8s-operator-kit",
        "kubernetes",
        "operator-kit|Operator Kit; operator-sdk-extensions|Operator SDK Extensions; "
        "controller-toolkit|Controller Toolkit; kube-operator-base|Kube Operator Base",
        [
            "Framework for writing Kubernetes operators in Go: reconcile loops, status conditions, "
            "finalizers and leader election done for you.",
            "Helpers on top of controller-runtime so teams can build custom controllers and CRDs without the "
            "boilerplate.",
            "Scaffolding and testing utilities for Kubernetes controllers, with envtest fixtures and metrics "
            "wired in.",
        ],
        [
            "Five teams wrote operators last year and each reinvented retries and status handling. This is "
            "the common base.",
            "Writing a correct reconcile loop is subtle; this encodes the lessons from our production "
            "operators.",
        ],
        "kubernetes operator controller crd golang",
        "Go; Kubernetes; controller-runtime",
        "Go",
        weight=1.3,
    ),
    _a(
        "postgres-operator",
        "kubernetes",
        "postgres-operator|Postgres Operator; pg-operator|PG Operator; database-operator|Database Operator",
        [
            "Kubernetes operator that provisions PostgreSQL clusters with streaming replicas, backups and "
            "minor-version upgrades.",
            "Manages database instances on Kubernetes through a PostgresCluster custom resource: failover, "
            "users and connection secrets.",
        ],
        [
            "Teams were waiting two weeks for a database ticket. With the operator they get one from a YAML "
            "file."
        ],
        "kubernetes operator postgresql database crd",
        "Go; Kubernetes; PostgreSQL",
        "Go",
        weight=1.3,
    ),
    _a(
        "cert-operator",
        "kubernetes",
        "cert-operator|Cert Operator; tls-rotator|TLS Rotator; certificate-controller|Certificate Controller",
        [
            "Kubernetes controller that requests TLS certificates from the internal CA and rotates them "
            "before they expire.",
            "Operator issuing and renewing certificates for ingresses and the service mesh, with expiry "
            "alerts.",
        ],
        [
            "An expired certificate took down checkout for an hour. Automated rotation means nobody has to "
            "remember."
        ],
        "kubernetes operator tls certificates security",
        "Go; Kubernetes; PKI",
        "Go",
    ),
    _a(
        "helm-charts",
        "kubernetes",
        "helm-charts|Helm Charts; charts|Charts; helm-library-chart|Helm Library Chart; "
        "service-chart|Service Chart",
        [
            "Shared Helm charts for deploying services on our Kubernetes clusters: deployments, HPA, PDBs "
            "and network policies with sane defaults.",
            "Library chart every service chart depends on, so probes, resources and labels stay consistent.",
            "Curated Helm charts for common infrastructure (Redis, Kafka Connect, ingress) maintained by the "
            "platform team.",
        ],
        ["Copy-pasted YAML drifted across hundreds of services. A library chart lets us fix a default once."],
        "helm kubernetes charts deployment",
        "Helm; Kubernetes; YAML",
        "Go Template, Go Template, Shell",
        weight=1.3,
    ),
    _a(
        "k8s-policies",
        "kubernetes",
        "admission-policies|Admission Policies; gatekeeper-policies|Gatekeeper Policies; "
        "kube-guardrails|Kube Guardrails",
        [
            "Admission webhook and Gatekeeper constraints that stop insecure pods (root users, missing "
            "limits, latest tags) from reaching the cluster.",
            "Policy-as-code guardrails for Kubernetes clusters, with a dry-run mode and reports per "
            "namespace.",
        ],
        ["Reviews can't catch every manifest. Guardrails in the cluster catch the rest."],
        "kubernetes admission-webhook policy security opa",
        "Go; Rego; Kubernetes",
        "Go, Go, Open Policy Agent",
    ),
    _a(
        "kubectl-plugins",
        "kubernetes",
        "kubectl-plugins|kubectl Plugins; kubectl-team|kubectl-team; kube-tools|Kube Tools",
        [
            "kubectl plugins for daily cluster work: tail logs across pods, switch namespaces and decode "
            "secrets.",
            "Handy command-line helpers for Kubernetes users, installable through krew.",
        ],
        ["Everyone had a folder of bash aliases for kubectl. These are the good ones, tested and shared."],
        "kubernetes kubectl cli developer-tools",
        "Go; Kubernetes",
        "Go, Go, Shell",
    ),
    _a(
        "cluster-bootstrap",
        "kubernetes",
        "cluster-bootstrap|Cluster Bootstrap; eks-blueprints|EKS Blueprints; k8s-platform|K8s Platform; "
        "kube-baseline|Kube Baseline",
        [
            "Everything needed to stand up a production Kubernetes cluster: ingress, certificates, logging "
            "agents, autoscaling and GitOps with Argo CD.",
            "GitOps repository describing the add-ons installed on every cluster, promoted from dev to prod.",
        ],
        ["New regions took a month to bring up. A repeatable baseline makes it a day."],
        "kubernetes gitops argocd platform eks",
        "Kubernetes; Argo CD; Helm",
        "Shell, Go Template",
    ),
    # scheduling and background work
    _a(
        "job-scheduler",
        "scheduling",
        "job-scheduler|Job Scheduler; cron-service|Cron Service; chronos|Chronos; "
        "scheduled-tasks|Scheduled Tasks; timetable|Timetable",
        [
            "Distributed cron: run jobs on a schedule across the cluster with exactly-once execution, "
            "retries and a UI showing past runs.",
            "Schedules recurring tasks (cron expressions or fixed intervals) and triggers HTTP endpoints, "
            "Kubernetes jobs or queue messages.",
            "Replacement for crontab on pet servers: jobs are declared in YAML, run in containers and alert "
            "when they fail or are late.",
        ],
        [
            "Critical nightly jobs lived in crontabs on VMs nobody owned. When a VM died, invoices were not "
            "sent. This gives jobs an owner and alerts.",
            "Teams need periodic jobs without running their own scheduler; this is a shared, observable one.",
        ],
        "scheduler cron jobs batch automation",
        "{lang}; Kubernetes; Distributed systems",
        "Go, Java, Python",
        weight=1.5,
    ),
    _a(
        "cron-expr",
        "scheduling",
        "cron-expr|Cron Expr; cronparse|CronParse; crontab-parser|Crontab Parser; "
        "schedule-expr|Schedule Expressions",
        [
            "Parses cron expressions (including seconds, L, W and # extensions) and computes next run times "
            "across time zones and DST changes.",
            "A small {lang} library to validate crontab strings and describe them in plain English.",
        ],
        ["Daylight saving time broke our nightly jobs twice; this library has the tests for it."],
        "cron scheduling parser timezones",
        "{lang}",
        "Java, Python, TypeScript, Go",
    ),
    _a(
        "task-queue",
        "scheduling",
        "task-queue|Task Queue; background-jobs|Background Jobs; worker-pool|Worker Pool; "
        "jobrunner|Job Runner",
        [
            "Background job processing for {lang} services: enqueue work and run it on workers with retries, "
            "backoff and dead-letter handling, including delayed and periodic jobs.",
            "Durable task queue on Redis or PostgreSQL with priorities, rate limits and a dashboard of "
            "failed jobs.",
        ],
        ["Sending e-mails inside web requests made checkout slow; moving the work to a queue fixed it."],
        "queue background-jobs workers async",
        "{lang}; Redis",
        "Python, Ruby, Go, Java, TypeScript",
    ),
    _a(
        "workflow-engine",
        "scheduling",
        "workflow-engine|Workflow Engine; orchestrator|Orchestrator; saga-coordinator|Saga Coordinator; "
        "durable-workflows|Durable Workflows",
        [
            "Durable workflows for long-running business processes (order fulfilment, onboarding): steps, "
            "timers, compensation and visibility.",
            "Orchestrates multi-step processes across services with sagas and human approval steps, built on "
            "Temporal.",
        ],
        ["Order state machines were spread over five services and a lot of hope."],
        "workflow orchestration saga temporal",
        "{lang}; Temporal; Distributed systems",
        "Go, Java, TypeScript",
    ),
    # feature flags and experiments
    _a(
        "feature-flags",
        "flags",
        "feature-flags|Feature Flags; flagship|Flagship; toggles|Toggles; "
        "feature-toggle-service|Feature Toggle Service; flags-sdk|Flags SDK",
        [
            "Feature flag service and SDKs: percentage rollouts, targeting rules per market and a kill "
            "switch for every release.",
            "Toggle features at runtime without deploying; the {lang} SDK evaluates flags locally with "
            "streaming updates.",
            "Self-hosted feature management compatible with OpenFeature, with an audit log and scheduled "
            "flag changes.",
        ],
        [
            "Releases were coupled to deploys, so every launch was a late-night deploy. Flags decouple them.",
            "Dark launches and instant rollback make releases boring, which is the goal.",
        ],
        "feature-flags feature-toggles release openfeature experimentation",
        "{lang}; Distributed systems",
        "Go, Java, TypeScript, Python, Kotlin",
        weight=1.5,
    ),
    _a(
        "feature-flags-react",
        "flags",
        "react-feature-flags|React Feature Flags; flags-react|Flags React; use-flag|useFlag; "
        "toggle-provider|Toggle Provider",
        [
            "React bindings for the feature flag service: a provider, a useFlag hook and components to show "
            "variants.",
            "Hooks and components to gate UI behind feature toggles in React and Next.js apps, with "
            "server-side rendering support.",
        ],
        [
            "Frontend teams wrapped the flag SDK differently in every app. One provider and hook keeps it "
            "simple."
        ],
        "feature-flags react hooks frontend",
        "React; TypeScript",
        "TypeScript, TypeScript, JavaScript",
    ),
    _a(
        "experiments",
        "flags",
        "ab-testing|A/B Testing; experiments|Experiments; experiment-platform|Experiment Platform; "
        "split-test|Split Test",
        [
            "A/B testing framework: assign users to variants, log exposures and compute significance in the "
            "analytics warehouse.",
            "Experimentation SDK and analysis notebooks for product teams running split tests.",
        ],
        ["Product decisions were made on gut feeling; this makes running a proper experiment cheap."],
        "experimentation ab-testing analytics statistics",
        "{lang}; Statistics; SQL",
        "Python, TypeScript, Kotlin, Scala",
    ),
    # observability
    _a(
        "structured-logging",
        "observability",
        "logkit|LogKit; structured-logging|Structured Logging; log-formatter|Log Formatter; "
        "json-logger|JSON Logger; logging-conventions|Logging Conventions",
        [
            "Structured JSON logging for {lang} with request ids, trace correlation and redaction of "
            "personal data.",
            "Opinionated logger setup for {lang} services: one line to get JSON logs the log platform can "
            "parse, with log levels set per module.",
            "Logging library that adds service, environment and trace fields to every log line and masks "
            "secrets.",
        ],
        [
            "Half of our logs could not be parsed by the log platform. A shared logger gives every service "
            "the same format.",
            "Debugging an incident across services is impossible without correlated logs.",
        ],
        "logging observability json structured-logging",
        "{lang}; Observability",
        "Python, Go, Java, Python, TypeScript, Python",
        weight=2.5,
    ),
    _a(
        "log-shipper",
        "observability",
        "log-shipper|Log Shipper; fluent-bit-config|Fluent Bit Config; log-forwarder|Log Forwarder; "
        "log-pipeline|Log Pipeline",
        [
            "Ships container and VM logs to the central log platform with Fluent Bit, including parsing, "
            "sampling and PII filters.",
            "Log collection agent configuration and Vector pipelines that route logs by team and retention "
            "class.",
        ],
        ["Logging costs were growing 40% a year. Routing and sampling at the source keeps them flat."],
        "logging observability fluent-bit vector",
        "Fluent Bit; Vector; Kubernetes",
        "Lua, Go, Shell, Rust",
    ),
    _a(
        "tracing",
        "observability",
        "tracing|Tracing; otel-setup|OTel Setup; opentelemetry-bootstrap|OpenTelemetry Bootstrap; "
        "trace-context|Trace Context",
        [
            "Distributed tracing for {lang} services: the OpenTelemetry SDK preconfigured with our "
            "collector, sampling and propagation headers.",
            "Auto-instrumentation bundle that traces HTTP, gRPC, Kafka and database calls and links spans to "
            "logs.",
            "Propagates trace context across queues and thread pools so spans stay connected end to end.",
        ],
        ["Finding which of twelve services made checkout slow took hours. Traces make it minutes."],
        "tracing opentelemetry observability distributed-tracing",
        "{lang}; OpenTelemetry",
        "Go, Java, Python, TypeScript, Go",
        weight=1.5,
    ),
    _a(
        "metrics-client",
        "observability",
        "metrics|Metrics; metrics-client|Metrics Client; instrumentation|Instrumentation; "
        "prom-client-wrapper|Prometheus Client Wrapper; statsd-client|StatsD Client",
        [
            "Application metrics for {lang}: counters, histograms and gauges exported to Prometheus, with "
            "standard RED metrics for HTTP handlers.",
            "Instrumentation helpers that give every service the same request-rate, error and latency "
            "metrics and SLO dashboards.",
            "Thin wrapper over the Prometheus client with naming conventions, label limits and a test "
            "registry.",
        ],
        [
            "Dashboards broke whenever a team named a metric differently. Shared instrumentation fixes names "
            "once.",
            "Cardinality explosions took down the metrics cluster twice; this library enforces label limits.",
        ],
        "metrics prometheus observability monitoring instrumentation",
        "{lang}; Prometheus",
        "Go, Java, Go, Python, TypeScript, Go",
        weight=2.0,
    ),
    _a(
        "prom-exporters",
        "observability",
        "exporters|Exporters; prometheus-exporter|Prometheus Exporter; legacy-app-exporter|Legacy App "
        "Exporter; queue-exporter|Queue Exporter",
        [
            "Prometheus exporters for systems that don't expose metrics themselves: the mainframe gateway, "
            "SFTP servers and the old ERP.",
            "Exports queue depths and consumer lag as Prometheus metrics for alerting.",
        ],
        ["You cannot alert on what you cannot see."],
        "prometheus exporter metrics monitoring",
        "Go; Prometheus",
        "Go, Go, Python",
    ),
    _a(
        "dashboards-as-code",
        "observability",
        "dashboards|Dashboards; grafana-dashboards|Grafana Dashboards; slo-dashboards|SLO Dashboards; "
        "monitoring-mixins|Monitoring Mixins",
        [
            "Grafana dashboards and alert rules as code (Jsonnet), generated for every service from its SLO "
            "definition.",
            "Monitoring mixins: versioned dashboards, recording rules and alerts reviewed like any other "
            "code.",
        ],
        ["Hand-made dashboards rotted; dashboards as code are reviewed and reused."],
        "grafana dashboards monitoring slo observability",
        "Jsonnet; Grafana; PromQL",
        "Jsonnet, Jsonnet, Python",
        weight=1.3,
    ),
    _a(
        "alerting-oncall",
        "observability",
        "alert-router|Alert Router; oncall-bot|On-call Bot; paging|Paging; incident-bot|Incident Bot",
        [
            "Routes alerts to the right on-call engineer, deduplicates noise and opens an incident channel "
            "in Slack.",
            "On-call scheduling and escalation policies with a chat bot for acknowledging pages.",
        ],
        ["Alerts went to a shared inbox that nobody read at night."],
        "alerting on-call incident-management monitoring",
        "{lang}; Slack API",
        "Go, Python, TypeScript",
    ),
    # databases
    _a(
        "db-migrations",
        "databases",
        "db-migrate|DB Migrate; schema-migrations|Schema Migrations; migrator|Migrator; "
        "flyway-extensions|Flyway Extensions; schemactl|schemactl",
        [
            "Versioned database schema migrations for PostgreSQL and MySQL: up and down scripts, checksums "
            "and a lock so only one instance migrates.",
            "Zero-downtime schema changes: expand/contract migrations, online index builds and checks that "
            "block risky DDL in CI.",
            "Runs SQL migration files on deploy and records which versions ran; works as a library or a CLI.",
        ],
        [
            "Deploys failed at 2 a.m. because two pods migrated the same database at once. Locks and checks "
            "prevent that.",
            "Schema changes should be reviewed like code and applied the same way everywhere.",
        ],
        "database migrations schema postgresql mysql",
        "SQL; {lang}; PostgreSQL",
        "Go, Java, Python, Kotlin",
        weight=1.5,
    ),
    _a(
        "orm",
        "databases",
        "data-access|Data Access; orm-extensions|ORM Extensions; repository-kit|Repository Kit; "
        "query-builder|Query Builder",
        [
            "Data access layer for {lang}: object-relational mapping conventions, repositories, pagination "
            "and soft deletes on top of the standard ORM.",
            "Type-safe query builder and entity mapping with read replicas and multi-tenant filters.",
        ],
        ["Every service solved pagination and tenancy differently, and some got it wrong."],
        "orm database sql persistence",
        "{lang}; SQL",
        "Java, Python, Kotlin, TypeScript, Go",
        weight=1.3,
    ),
    _a(
        "db-pool",
        "databases",
        "pgbouncer-config|PgBouncer Config; connection-pool|Connection Pool; db-proxy|DB Proxy",
        [
            "Connection pooling for PostgreSQL: a PgBouncer deployment and a client-side pool with health "
            "checks and sane timeouts.",
            "Database proxy that pools connections and routes reads to replicas.",
        ],
        ["A traffic spike exhausted database connections and took down three services."],
        "postgresql connection-pooling database pgbouncer",
        "PostgreSQL; {lang}",
        "Go, Shell, Java",
        weight=0.7,
    ),
    _a(
        "db-backup",
        "databases",
        "db-backup|DB Backup; backup-restore|Backup and Restore; pitr-tools|PITR Tools; "
        "snapshotter|Snapshotter",
        [
            "Automated backups for PostgreSQL and MySQL with point-in-time recovery, encrypted to object "
            "storage, and monthly restore drills.",
            "Backup verification: restores last night's snapshot into a sandbox and checks row counts.",
        ],
        ["A backup you have never restored is not a backup."],
        "database backup postgresql disaster-recovery",
        "PostgreSQL; Shell; {lang}",
        "Shell, Python, Go",
        weight=0.8,
    ),
    _a(
        "sql-lint",
        "databases",
        "sql-lint|SQL Lint; query-review-bot|Query Review Bot; slow-query-report|Slow Query Report",
        [
            "Lints SQL in pull requests and flags full table scans, missing indexes and unbounded queries.",
            "Weekly report of the slowest database queries per service with suggested indexes.",
        ],
        ["Most database incidents began as a query nobody reviewed."],
        "sql database linting performance",
        "SQL; {lang}",
        "Python, Go",
        weight=0.6,
    ),
    # caching
    _a(
        "cache-lib",
        "caching",
        "cache|Cache; cachekit|CacheKit; redis-cache|Redis Cache; memo|Memo; two-level-cache|Two-Level Cache",
        [
            "Caching library for {lang}: in-memory LRU plus Redis, with TTLs, stampede protection and "
            "metrics for hit rates.",
            "Read-through and write-through caches with consistent key naming and invalidation via events.",
            "Decorator-style memoization backed by Redis, safe for multi-instance deployments.",
        ],
        [
            "Cache stampedes after deploys hammered the catalog database. This library coalesces requests.",
            "Everyone was writing their own Redis wrapper.",
        ],
        "cache caching redis performance",
        "{lang}; Redis",
        "Java, Go, Python, TypeScript, Kotlin",
        weight=1.3,
    ),
    _a(
        "http-cache",
        "caching",
        "edge-cache|Edge Cache; cdn-purge|CDN Purge; http-cache-proxy|HTTP Cache Proxy; "
        "varnish-config|Varnish Config",
        [
            "CDN and Varnish configuration for the storefront, plus a purge API that invalidates pages when "
            "products change.",
            "HTTP caching proxy in front of slow upstream APIs, honouring Cache-Control and serving stale "
            "content on errors.",
        ],
        ["Product pages were rendered for every request; edge caching cut origin traffic by 80%."],
        "cdn caching http varnish performance",
        "VCL; HTTP",
        "VCL, Go, TypeScript",
        weight=0.8,
    ),
    # messaging and events
    _a(
        "kafka-client",
        "messaging",
        "kafka-client|Kafka Client; kafka-toolkit|Kafka Toolkit; event-consumer|Event Consumer; "
        "kafka-streams-helpers|Kafka Streams Helpers; kafka-wrapper|Kafka Wrapper",
        [
            "Kafka producer and consumer wrapper for {lang}: consumer groups, retries with a dead-letter "
            "topic, schema registry and graceful shutdown.",
            "Opinionated Kafka consumer framework for {lang}: at-least-once processing, idempotent handlers "
            "and lag metrics out of the box.",
            "Producing and consuming events on the company Kafka clusters with the right security settings "
            "and tracing headers.",
        ],
        [
            "Misconfigured consumers lost messages during rebalances. Shared defaults prevent it.",
            "Teams spent weeks on Kafka plumbing before writing any business logic.",
        ],
        "kafka messaging events streaming consumer",
        "{lang}; Kafka",
        "Go, Java, Go, Kotlin, Go, Python",
        weight=2.5,
    ),
    _a(
        "event-schemas",
        "messaging",
        "event-schemas|Event Schemas; schema-registry-tools|Schema Registry Tools; avro-contracts|Avro "
        "Contracts; event-catalog|Event Catalog",
        [
            "Central catalog of event schemas (Avro and Protobuf) with compatibility checks in CI and "
            "generated classes.",
            "Tools for publishing and evolving schemas in the schema registry without breaking consumers.",
        ],
        ["A renamed field broke four downstream consumers. Compatibility checks catch that in review."],
        "events avro schema-registry kafka contracts",
        "Avro; Protobuf; Kafka",
        "Java, Python, Kotlin",
    ),
    _a(
        "rabbitmq",
        "messaging",
        "rabbitmq-client|RabbitMQ Client; amqp-helpers|AMQP Helpers; message-bus|Message Bus; mq-kit|MQ Kit",
        [
            "RabbitMQ publisher and consumer helpers for {lang}: reconnects, publisher confirms, retry "
            "queues and poison-message handling.",
            "Message bus abstraction over AMQP with typed messages and routing conventions.",
        ],
        ["Lost messages during broker failovers were blamed on RabbitMQ; they were our reconnect code."],
        "rabbitmq amqp messaging queues",
        "{lang}; RabbitMQ",
        "Python, Java, TypeScript, Go",
    ),
    _a(
        "outbox",
        "messaging",
        "outbox-relay|Outbox Relay; transactional-outbox|Transactional Outbox; change-events|Change Events",
        [
            "Transactional outbox: write events in the same database transaction as your data and relay them "
            "to Kafka reliably.",
            "Library and relay process for publishing domain events without dual writes.",
        ],
        ["Dual writes to the database and the broker drifted apart under load."],
        "outbox events kafka messaging consistency",
        "{lang}; Kafka; SQL",
        "Java, Go, Kotlin",
        weight=0.7,
    ),
    _a(
        "webhook-dispatcher",
        "messaging",
        "webhook-dispatcher|Webhook Dispatcher; webhooks|Webhooks; event-hooks|Event Hooks",
        [
            "Delivers webhooks to partners with HMAC signing, retries with backoff and a replay UI.",
            "Outgoing webhook service: partners subscribe to order and shipment events and receive signed "
            "callbacks.",
        ],
        ["Every partner integration had its own retry loop for callbacks."],
        "webhooks integrations events api",
        "{lang}; HTTP",
        "Go, Java, TypeScript",
        weight=1.1,
    ),
    # APIs
    _a(
        "api-gateway",
        "api",
        "api-gateway|API Gateway; edge-gateway|Edge Gateway; gateway-plugins|Gateway Plugins; "
        "kong-plugins|Kong Plugins; public-api-edge|Public API Edge",
        [
            "Configuration and plugins for the company API gateway: routing, request authentication, quotas "
            "and request logging.",
            "Edge proxy for public APIs built on Envoy: TLS termination, routing to services, CORS and "
            "API-key checks.",
            "Custom Kong plugins (Lua) for header normalisation, partner quotas and canary routing.",
        ],
        ["Every public API reimplemented authentication and quotas. The gateway does it once at the edge."],
        "api-gateway envoy kong routing edge",
        "Envoy; Lua; {lang}",
        "Go, Lua, Lua, Go",
        weight=1.2,
    ),
    _a(
        "rate-limiter",
        "api",
        "rate-limiter|Rate Limiter; throttle|Throttle; ratelimit|Ratelimit; quota-service|Quota Service; "
        "token-bucket|Token Bucket",
        [
            "Distributed rate limiting for {lang} services: token bucket and sliding window algorithms "
            "backed by Redis.",
            "Throttles requests per client, per API key or per IP, returning 429 with Retry-After headers.",
            "Quota service that tracks usage against limits for partners and blocks abusive traffic.",
        ],
        [
            "A partner's runaway script took down search. Per-client limits protect everyone.",
            "Throttling was configured in five places; now it is one library.",
        ],
        "rate-limiting throttling redis api",
        "{lang}; Redis",
        "Go, Java, Python, TypeScript",
        weight=1.3,
    ),
    _a(
        "grpc-toolkit",
        "api",
        "grpc-kit|gRPC Kit; grpc-interceptors|gRPC Interceptors; proto-registry|Proto Registry; "
        "grpc-gateway-config|gRPC Gateway Config",
        [
            "gRPC server and client setup for {lang}: interceptors for auth, deadlines, retries, tracing and "
            "health checks.",
            "Protobuf registry with linting (buf), breaking-change detection and generated stubs for every "
            "language.",
        ],
        ["Every team configured gRPC deadlines differently, or not at all."],
        "grpc protobuf rpc microservices",
        "{lang}; gRPC; Protobuf",
        "Go, Java, Go, Kotlin, Python",
    ),
    _a(
        "openapi-tooling",
        "api",
        "openapi-lint|OpenAPI Lint; api-style-guide|API Style Guide; openapi-codegen|OpenAPI Codegen; "
        "api-spec-tools|API Spec Tools",
        [
            "Lints OpenAPI specs against the API style guide and generates typed clients and server stubs.",
            "Spectral rules and documentation previews for REST API designs, run on every pull request.",
        ],
        ["APIs looked different in every team. A style guide that lints itself gets followed."],
        "openapi rest api-design codegen",
        "OpenAPI; {lang}",
        "TypeScript, Java, Go",
    ),
    _a(
        "resilience",
        "api",
        "resilience|Resilience; circuit-breaker|Circuit Breaker; retry-kit|Retry Kit; bulkhead|Bulkhead",
        [
            "Retries with exponential backoff and jitter, timeouts, circuit breakers and bulkheads for "
            "outgoing calls in {lang}.",
            "Fault-tolerance helpers that keep one slow dependency from taking down the whole service.",
        ],
        ["Retry storms turned small outages into big ones."],
        "resilience circuit-breaker retries fault-tolerance",
        "{lang}; Distributed systems",
        "Java, Go, Python, TypeScript, Kotlin",
        weight=1.3,
    ),
    # command-line tools
    _a(
        "dev-cli",
        "cli",
        "devctl|devctl; acme-cli|Acme CLI; dev-tools-cli|Dev Tools CLI; platform-cli|Platform CLI",
        [
            "The developer command line: create a new service from a template, open a preview environment, "
            "tail logs and request database access.",
            "One CLI for everyday platform tasks, with shell completion and self-update.",
        ],
        ["New joiners needed twenty wiki pages to ship their first change. The CLI wraps them."],
        "cli developer-experience tooling productivity",
        "Go; CLI design",
        "Go, Go, Rust, Python",
    ),
    _a(
        "cli-framework",
        "cli",
        "cli-kit|CLI Kit; command-framework|Command Framework; clikit|clikit; terminal-ui|Terminal UI",
        [
            "Library for building command-line tools in {lang}: subcommands, flags, config files, coloured "
            "output and progress bars.",
            "Framework for consistent internal CLIs with authentication to internal APIs, telemetry and "
            "update checks built in.",
        ],
        ["Internal tools had inconsistent flags and no help text."],
        "cli command-line terminal framework",
        "{lang}",
        "Go, Python, Rust, TypeScript",
    ),
    # CI/CD and delivery
    _a(
        "github-actions",
        "cicd",
        "shared-workflows|Shared Workflows; actions|Actions; gha-templates|GHA Templates; "
        "reusable-workflows|Reusable Workflows",
        [
            "Reusable GitHub Actions workflows for build, test, scan and deploy stages in every language.",
            "Composite GitHub Actions for caching, SBOM generation, signing container images and deploying "
            "with Argo CD.",
        ],
        [
            "Hundreds of copy-pasted pipelines meant security fixes took months to roll out. Shared "
            "workflows fix them everywhere at once.",
            "A new service should have a working pipeline on day one.",
        ],
        "github-actions ci-cd pipelines devops",
        "GitHub Actions; YAML; Shell",
        "Shell, TypeScript, Shell",
        weight=1.4,
    ),
    _a(
        "gitlab-ci-templates",
        "cicd",
        "gitlab-ci-templates|GitLab CI Templates; ci-includes|CI Includes; pipeline-templates|Pipeline "
        "Templates; ci-catalog|CI Catalog",
        [
            "Shared GitLab CI includes that give a new repository a complete build, test and deploy pipeline "
            "in five lines of YAML.",
            "CI/CD components for GitLab: container builds, dependency scanning and review apps.",
        ],
        ["Every team maintained its own 400-line .gitlab-ci.yml."],
        "gitlab-ci ci-cd pipelines devops",
        "GitLab CI; YAML",
        "Shell",
    ),
    _a(
        "jenkins-shared-lib",
        "cicd",
        "jenkins-shared-library|Jenkins Shared Library; pipeline-library|Pipeline Library; "
        "jenkinsfile-steps|Jenkinsfile Steps",
        [
            "Jenkins shared library with pipeline steps for Maven and Gradle builds, Sonar checks and "
            "deployments.",
            "Groovy pipeline steps so Jenkinsfiles stay ten lines long.",
        ],
        ["Jenkinsfiles were copied between repositories and drifted."],
        "jenkins ci-cd pipelines groovy",
        "Groovy; Jenkins",
        "Groovy",
        weight=0.7,
    ),
    _a(
        "deploy-tool",
        "cicd",
        "deployer|Deployer; release-train|Release Train; canary-deploy|Canary Deploy; "
        "rollout-controller|Rollout Controller",
        [
            "Progressive delivery: canary and blue-green deployments with automatic rollback on error-rate "
            "or latency regressions.",
            "Release automation that tags, writes changelogs and promotes artefacts from staging to "
            "production.",
        ],
        ["Bad deploys were caught by customers instead of by metrics."],
        "deployment continuous-delivery canary release",
        "{lang}; Kubernetes; Argo Rollouts",
        "Go, Python, Go",
    ),
    _a(
        "container-images",
        "cicd",
        "base-images|Base Images; docker-images|Docker Images; golden-images|Golden Images; "
        "distroless-images|Distroless Images",
        [
            "Hardened base container images for Java, Python, Node and Go, rebuilt nightly with the latest "
            "security patches.",
            "Dockerfiles and build scripts for the company's golden images, signed and scanned.",
        ],
        ["Hundreds of images ran on outdated OS packages. Shared base images patch them all at once."],
        "docker containers security base-images",
        "Docker; Shell",
        "Dockerfile, Shell",
    ),
    # infrastructure as code
    _a(
        "terraform-aws",
        "terraform",
        "terraform-aws-modules|Terraform AWS Modules; tf-aws-vpc|TF AWS VPC; terraform-aws-eks|Terraform "
        "AWS EKS; aws-infra-modules|AWS Infra Modules; tf-aws-rds|TF AWS RDS",
        [
            "Terraform modules for AWS that follow our network and tagging standards: VPC, EKS, RDS, S3 "
            "buckets and IAM roles.",
            "Reusable infrastructure-as-code for Amazon Web Services accounts, with examples and automated "
            "tests (Terratest).",
            "Opinionated HCL modules to create encrypted S3 buckets, RDS instances and least-privilege IAM "
            "policies.",
        ],
        [
            "Every team wrote its own VPC module and got the security groups wrong in new ways.",
            "Landing-zone standards are easier to follow when they are a module you can import.",
        ],
        "terraform aws infrastructure-as-code hcl cloud",
        "Terraform; AWS; HCL",
        "HCL",
        weight=1.5,
    ),
    _a(
        "terraform-azure",
        "terraform",
        "terraform-azurerm-modules|Terraform AzureRM Modules; tf-azure-aks|TF Azure AKS; "
        "azure-landing-zone|Azure Landing Zone",
        [
            "Terraform modules for Microsoft Azure: resource groups, AKS clusters, Key Vault and private "
            "endpoints following our policies.",
            "Infrastructure as code for the Azure landing zone, management groups and policy assignments.",
        ],
        ["Azure subscriptions were created by hand with different settings each time."],
        "terraform azure infrastructure-as-code cloud",
        "Terraform; Azure",
        "HCL",
    ),
    _a(
        "terraform-gcp",
        "terraform",
        "terraform-google-modules|Terraform Google Modules; tf-gcp-project-factory|TF GCP Project Factory; "
        "gcp-infra|GCP Infra",
        [
            "Terraform modules for Google Cloud: project factory, GKE, Cloud SQL and VPC service controls.",
            "Infrastructure as code for the data platform's Google Cloud projects and BigQuery datasets.",
        ],
        ["New GCP projects took a week of tickets."],
        "terraform gcp infrastructure-as-code cloud",
        "Terraform; Google Cloud",
        "HCL",
        weight=0.8,
    ),
    _a(
        "terraform-provider",
        "terraform",
        "terraform-provider-acme|Terraform Provider Acme; tf-provider-internal|Internal Terraform Provider",
        [
            "Terraform provider for internal platforms: DNS records, Kafka topics, feature flags and service "
            "catalog entries as resources.",
        ],
        ["Click-ops in internal tools was not reproducible."],
        "terraform provider infrastructure-as-code golang",
        "Go; Terraform",
        "Go",
        weight=0.6,
    ),
    # secrets and security
    _a(
        "secrets-client",
        "secrets",
        "secrets-client|Secrets Client; vault-client|Vault Client; vault-agent-config|Vault Agent Config; "
        "secret-loader|Secret Loader",
        [
            "Fetches secrets from HashiCorp Vault at startup and on rotation for {lang} services; no secrets "
            "in environment files.",
            "Vault integration for Kubernetes workloads: injects database credentials and API tokens as "
            "files, renewing leases automatically.",
            "Secret management helpers: read credentials from Vault or AWS Secrets Manager behind one "
            "interface.",
        ],
        [
            "Secrets were committed to repositories and pasted into CI variables. This is the supported way "
            "to read them."
        ],
        "secrets vault security credentials",
        "{lang}; HashiCorp Vault",
        "Go, Java, Python, TypeScript",
        weight=1.3,
    ),
    _a(
        "secret-scanning",
        "secrets",
        "secret-scanner|Secret Scanner; leak-detector|Leak Detector; credential-scan|Credential Scan; "
        "pre-commit-secrets|Pre-commit Secrets",
        [
            "Scans repositories and pull requests for leaked credentials (cloud keys, tokens, private keys) "
            "and opens revocation tickets.",
            "Pre-commit hook and CI step that blocks commits containing passwords or API tokens.",
        ],
        ["We found 300 live credentials in git history in one afternoon."],
        "security secrets scanning devsecops",
        "{lang}; Regex; Security",
        "Go, Python, Rust",
    ),
    _a(
        "secret-rotation",
        "secrets",
        "secret-rotation|Secret Rotation; key-rotator|Key Rotator; credential-rotation|Credential Rotation",
        [
            "Rotates database passwords, API keys and cloud access keys on a schedule and updates them in "
            "Vault without downtime.",
        ],
        ["Some service passwords had not changed since 2017."],
        "secrets rotation security vault",
        "{lang}; Vault; AWS",
        "Python, Go",
        weight=0.8,
    ),
    _a(
        "pii-redaction",
        "secrets",
        "pii-redaction|PII Redaction; gdpr-delete|GDPR Delete; privacy-toolkit|Privacy Toolkit",
        [
            "Finds and deletes or anonymises personal data across services for GDPR erasure requests.",
            "Privacy toolkit: classify personal data fields, mask them in non-production copies and track "
            "consent.",
        ],
        ["Erasure requests were handled by e-mailing twenty teams."],
        "privacy gdpr pii compliance",
        "{lang}; Privacy",
        "Python, Java, Go",
        weight=1.1,
    ),
    _a(
        "audit-log",
        "secrets",
        "audit-log|Audit Log; audit-trail|Audit Trail; activity-history|Activity History",
        [
            "Tamper-evident audit trail of who changed what, queryable by compliance, written through a "
            "small {lang} client.",
        ],
        ["Auditors asked who changed a refund limit and nobody could tell."],
        "audit compliance security logging",
        "{lang}; Compliance",
        "Java, Go, Python",
        weight=0.7,
    ),
    # machine learning and data
    _a(
        "feature-store",
        "ml",
        "feature-store|Feature Store; features|Features; ml-features|ML Features; feast-config|Feast Config",
        [
            "Feature store for machine learning: define features once, serve them online with low latency "
            "and offline for training.",
            "Registry and pipelines for ML features with point-in-time correct training datasets, built on "
            "Feast.",
        ],
        [
            "Data scientists rebuilt the same customer features in every notebook, slightly differently each "
            "time."
        ],
        "machine-learning feature-store mlops data",
        "Python; Spark; Feast",
        "Python, Python, Scala",
        weight=1.3,
    ),
    _a(
        "model-serving",
        "ml",
        "model-serving|Model Serving; inference-service|Inference Service; ml-deploy|ML Deploy; "
        "model-gateway|Model Gateway",
        [
            "Serve trained machine learning models behind a REST or gRPC endpoint with autoscaling, canaries "
            "and drift monitoring.",
            "Deployment tooling for ML models: package, version and roll out models to Kubernetes.",
        ],
        ["Models took months to go from notebook to production."],
        "machine-learning mlops inference model-serving",
        "Python; Kubernetes; Machine learning",
        "Python, Python, Go",
    ),
    _a(
        "ml-pipelines",
        "ml",
        "ml-pipelines|ML Pipelines; training-pipelines|Training Pipelines; experiment-tracking|Experiment "
        "Tracking",
        [
            "Reproducible training pipelines with Kubeflow and MLflow experiment tracking, from raw data to "
            "a registered model.",
        ],
        ["Nobody could reproduce last quarter's model."],
        "machine-learning mlops mlflow kubeflow",
        "Python; MLflow",
        "Python",
        weight=0.8,
    ),
    _a(
        "llm-gateway",
        "ml",
        "llm-gateway|LLM Gateway; genai-proxy|GenAI Proxy; prompt-kit|Prompt Kit",
        [
            "Proxy to large language model providers with cost tracking, PII redaction, caching and prompt "
            "templates.",
            "Shared client and evaluation harness for generative AI features built on LLMs.",
        ],
        ["Teams were signing separate contracts with model vendors and pasting API keys into notebooks."],
        "llm genai machine-learning ai",
        "{lang}; LLMs",
        "Python, TypeScript, Go",
        weight=1.1,
    ),
    _a(
        "etl-framework",
        "data",
        "etl-framework|ETL Framework; data-pipelines|Data Pipelines; airflow-dags|Airflow DAGs; "
        "dag-factory|DAG Factory; ingestion|Ingestion",
        [
            "Framework for batch data pipelines: extract from source systems, transform with Spark or dbt "
            "and load into the warehouse, with lineage.",
            "Airflow DAG factory and operators so teams declare pipelines in YAML instead of writing DAG "
            "boilerplate.",
            "Ingestion jobs that copy data from operational databases and SaaS tools into the data lake "
            "every night.",
        ],
        [
            "Every analytics team ran its own cron scripts with no retries or lineage.",
            "Pipelines declared as config are easier to review and to own.",
        ],
        "etl data-pipelines airflow data-engineering spark",
        "Python; SQL; Airflow; Spark",
        "Python, Python, Scala, Java",
        weight=1.5,
    ),
    _a(
        "data-quality",
        "data",
        "data-quality|Data Quality; dq-checks|DQ Checks; data-contracts|Data Contracts; "
        "expectation-suites|Expectation Suites",
        [
            "Data quality checks on warehouse tables: freshness, volume, null rates and schema drift, "
            "alerting the owning team.",
            "Data contracts between producers and consumers, validated in CI and at runtime.",
        ],
        ["Dashboards showed wrong revenue for a week before anyone noticed."],
        "data-quality data-engineering validation warehouse",
        "Python; SQL",
        "Python, SQL",
    ),
    _a(
        "cdc",
        "data",
        "cdc-connectors|CDC Connectors; debezium-config|Debezium Config; change-data-capture|Change Data "
        "Capture",
        [
            "Change data capture from PostgreSQL and MySQL into Kafka with Debezium, including schema "
            "handling and snapshots.",
        ],
        ["Nightly database dumps were too slow for the data platform."],
        "cdc debezium kafka data-engineering",
        "Kafka Connect; Debezium",
        "Java, Python",
        weight=0.7,
    ),
    _a(
        "dbt-packages",
        "data",
        "dbt-packages|dbt Packages; dbt-utils-acme|dbt Utils; warehouse-models|Warehouse Models",
        [
            "Shared dbt macros and models for the warehouse: calendars, currencies and slowly changing "
            "dimensions.",
        ],
        ["Every analytics team wrote its own date spine."],
        "dbt sql analytics data-warehouse",
        "SQL; dbt",
        "SQL",
        weight=0.7,
    ),
    # mobile
    _a(
        "mobile-analytics-sdk",
        "mobile",
        "analytics-sdk-{plat}|Analytics SDK for {ptitle}; tracking-sdk|Tracking SDK; events-sdk|Events SDK; "
        "{plat}-telemetry|{ptitle} Telemetry",
        [
            "Analytics SDK for {platform} apps: screen views, events and consent handling, batching uploads "
            "to save battery.",
            "Event tracking for {platform} apps with offline queueing and a typed event catalog.",
        ],
        ["Three analytics vendors' SDKs slowed app start by 400 ms. One thin SDK replaces them."],
        "mobile analytics sdk tracking",
        "{lang}; Mobile",
        "Swift, Kotlin, Dart, TypeScript, Swift, Kotlin",
        weight=1.3,
    ),
    _a(
        "mobile-auth-sdk",
        "mobile",
        "mobile-auth-sdk|Mobile Auth SDK; login-sdk-{plat}|Login SDK for {ptitle}; identity-{plat}|Identity "
        "for {ptitle}",
        [
            "Sign-in SDK for {platform} apps: OAuth with PKCE, biometric unlock and secure token storage in "
            "the keychain or keystore.",
            "Customer login for {platform} apps using the company identity platform, with single sign-on "
            "between our apps.",
        ],
        ["App teams stored tokens insecurely; this SDK does it right."],
        "mobile authentication sdk oauth2 biometrics",
        "{lang}; OAuth 2.0",
        "Swift, Kotlin, Dart, TypeScript",
    ),
    _a(
        "mobile-ui-kit",
        "mobile",
        "mobile-ui-kit|Mobile UI Kit; {plat}-components|{ptitle} Components; app-design-kit|App Design Kit",
        [
            "Native UI components for {platform} that implement the design system: buttons, forms, bottom "
            "sheets and dark mode.",
        ],
        ["Our apps looked like three different companies."],
        "mobile ui-components design-system",
        "{lang}; UI design",
        "Swift, Kotlin, Swift, Kotlin, Dart",
    ),
    _a(
        "push-notifications",
        "mobile",
        "push-service|Push Service; push-notifications|Push Notifications; mobile-push|Mobile Push; "
        "notify-mobile|Notify Mobile",
        [
            "Sends push notifications to iOS and Android devices through APNs and FCM, with device token "
            "management and quiet hours.",
            "Push messaging platform with templates, segmentation and delivery receipts.",
        ],
        ["Each app team integrated APNs and FCM separately and handled token expiry badly."],
        "push-notifications mobile apns fcm notifications",
        "{lang}; APNs; FCM",
        "Go, Kotlin, Java, TypeScript",
    ),
    # web frontend
    _a(
        "design-system-react",
        "frontend",
        "design-system|Design System; ui-kit|UI Kit; react-components|React Components; "
        "component-library|Component Library; acme-ui|Acme UI",
        [
            "The company design system in React: accessible components, theming, design tokens and "
            "Storybook docs.",
            "Reusable React component library (buttons, forms, tables, modals) used by every web product, "
            "with Figma parity.",
            "UI components and layout primitives for React apps, tested for accessibility (WCAG 2.1 AA).",
        ],
        [
            "Every product rebuilt the same date picker, each with different bugs and accessibility gaps.",
            "Consistent UI across products without a central bottleneck.",
        ],
        "react design-system components ui accessibility storybook",
        "React; TypeScript; CSS; Accessibility",
        "TypeScript, TypeScript, JavaScript",
        weight=1.5,
    ),
    _a(
        "design-tokens",
        "frontend",
        "design-tokens|Design Tokens; web-components|Web Components; tokens-pipeline|Tokens Pipeline",
        [
            "Design tokens (colours, spacing, typography) exported from Figma to CSS variables, iOS, Android "
            "and Tailwind config.",
            "Framework-agnostic web components implementing the design system, usable from Angular, Vue and "
            "plain HTML.",
        ],
        ["Brand colours were hard-coded in 40 repositories."],
        "design-system design-tokens web-components css",
        "CSS; TypeScript; Figma",
        "TypeScript, JavaScript, CSS",
    ),
    _a(
        "form-kit",
        "frontend",
        "form-kit|Form Kit; react-forms|React Forms; form-validation|Form Validation",
        [
            "Form state and validation for React with schema validation (zod) and accessible error messages.",
            "Form components for React: inputs, address and payment fields with validation built in.",
        ],
        ["Checkout, account and returns each had different validation bugs."],
        "react forms validation frontend",
        "React; TypeScript",
        "TypeScript, TypeScript, JavaScript",
        weight=0.8,
    ),
    _a(
        "frontend-build",
        "frontend",
        "frontend-config|Frontend Config; eslint-config|ESLint Config; vite-presets|Vite Presets; "
        "webpack-config|Webpack Config",
        [
            "Shared frontend tooling presets: ESLint, Prettier, TypeScript and Vite configs in one package.",
            "Build configuration for web apps with module federation, bundle budgets and source map upload.",
        ],
        ["Upgrading the bundler meant touching 60 repositories."],
        "frontend tooling eslint vite webpack",
        "JavaScript; TypeScript",
        "JavaScript, TypeScript",
    ),
    # documents and PDF
    _a(
        "pdf-generation",
        "docs",
        "pdf-renderer|PDF Renderer; html-to-pdf|HTML to PDF; pdf-service|PDF Service; "
        "document-generator|Document Generator; pdfgen|pdfgen",
        [
            "Renders HTML templates to pixel-perfect PDF documents (headless Chromium) with fonts, headers, "
            "page numbers and PDF/A output.",
            "Service generating PDFs for contracts, shipping labels and statements from JSON data and "
            "templates; Markdown input is supported too.",
            "{lang} library for producing PDF files: tables, barcodes, digital signatures and accessible "
            "tagged PDFs.",
        ],
        [
            "Five teams ran their own headless browsers to make PDFs, each leaking memory. One service does "
            "it well.",
            "Documents customers receive should look the same everywhere.",
        ],
        "pdf documents rendering templates",
        "{lang}; HTML; CSS",
        "TypeScript, Java, Python, Go",
        weight=1.5,
    ),
    _a(
        "pdf-extraction",
        "docs",
        "pdf-extract|PDF Extract; document-parser|Document Parser; ocr-pipeline|OCR Pipeline; "
        "receipt-reader|Receipt Reader",
        [
            "Extracts text, tables and form fields from PDF documents and scanned images (OCR) into JSON.",
            "Parses supplier invoices and delivery notes in PDF format, with layout-aware table extraction.",
        ],
        ["Operations staff retyped data from PDFs all day."],
        "pdf ocr document-processing extraction",
        "Python; OCR",
        "Python, Python, Java",
    ),
    _a(
        "docs-site",
        "docs",
        "docs-site|Docs Site; techdocs|TechDocs; docs-generator|Docs Generator; api-reference|API Reference; "
        "handbook-builder|Handbook Builder",
        [
            "Static documentation site generator for engineering docs: Markdown in the repository, search, "
            "versioning and diagrams.",
            "Publishes every repository's docs folder to the developer portal (MkDocs-based TechDocs).",
            "Generates API reference documentation from OpenAPI and Protobuf definitions.",
        ],
        ["Docs lived in a wiki that was always out of date. Docs next to the code get updated with it."],
        "documentation docs-as-code markdown mkdocs static-site",
        "Markdown; Python",
        "Python, TypeScript, Go",
        weight=1.3,
    ),
    # search
    _a(
        "search-client",
        "search",
        "search-client|Search Client; es-toolkit|ES Toolkit; opensearch-helpers|OpenSearch Helpers; "
        "index-manager|Index Manager",
        [
            "Elasticsearch and OpenSearch helpers for {lang}: index templates, zero-downtime reindexing with "
            "aliases and bulk indexing.",
            "Client library for the shared search cluster with query builders, retries and index lifecycle "
            "management.",
        ],
        ["Reindexing without downtime was tribal knowledge."],
        "elasticsearch opensearch search indexing",
        "{lang}; Elasticsearch",
        "Java, Python, Go, TypeScript",
    ),
    _a(
        "search-service",
        "search",
        "product-search|Product Search; search-api|Search API; relevance-tuning|Relevance Tuning; "
        "site-search|Site Search; autocomplete|Autocomplete",
        [
            "Product search for the storefront: full-text relevance, synonyms, typo tolerance, facets and "
            "autocomplete, on Elasticsearch.",
            "Search-as-a-service for internal apps: index your documents through an API and get ranked "
            "results with highlighting.",
            "Query understanding and ranking experiments for site search, with offline relevance metrics.",
        ],
        ["Customers who search convert three times better, if they find what they are looking for."],
        "search relevance full-text-search autocomplete",
        "{lang}; Elasticsearch; Information retrieval",
        "Java, Python, Kotlin, Go",
        weight=1.2,
    ),
    # internationalisation
    _a(
        "i18n-lib",
        "i18n",
        "i18n|i18n; translations|Translations; intl-utils|Intl Utils; message-format|Message Format; "
        "locale-kit|Locale Kit",
        [
            "Internationalization for {lang} apps: ICU message format, plurals, date and number formatting "
            "per locale.",
            "Loads translated strings per locale with fallbacks and right-to-left support.",
            "Localization helpers for multi-market apps: locale negotiation, currency and address formats.",
        ],
        ["Launching a new country meant grepping for hard-coded English strings."],
        "i18n localization translations l10n icu",
        "{lang}; ICU",
        "TypeScript, Java, Python, Kotlin, Swift",
    ),
    _a(
        "translation-sync",
        "i18n",
        "translation-sync|Translation Sync; string-export|String Export; l10n-pipeline|L10n Pipeline; "
        "tms-connector|TMS Connector",
        [
            "Syncs source strings to the translation management system and pulls finished translations back "
            "as pull requests.",
            "Localization pipeline: extracts new strings in CI, sends them to translators and checks for "
            "missing keys.",
        ],
        ["Translators received spreadsheets by e-mail and strings got lost."],
        "localization translations l10n automation",
        "Python; CI",
        "Python, TypeScript, Go",
    ),
    # testing
    _a(
        "http-mocks",
        "testing",
        "mock-server|Mock Server; http-stubs|HTTP Stubs; wiremock-mappings|WireMock Mappings; "
        "fake-apis|Fake APIs; service-virtualization|Service Virtualization",
        [
            "HTTP mock server for tests: record real responses, replay them and simulate latency and errors.",
            "Stubs of partner APIs (payments, shipping, tax) so integration tests run without the real "
            "services.",
            "Mocking library for outgoing HTTP calls in {lang} unit tests, with strict matching and readable "
            "failure messages.",
        ],
        [
            "Integration tests were flaky because partner sandboxes were down half the time.",
            "Tests that call real services are slow and unreliable.",
        ],
        "testing mocking http stubs test-doubles",
        "{lang}; Testing",
        "Java, Go, Python, TypeScript, Kotlin",
    ),
    _a(
        "test-data",
        "testing",
        "test-data-factory|Test Data Factory; fixtures|Fixtures; fake-customers|Fake Customers; "
        "synthetic-data|Synthetic Data",
        [
            "Generates realistic but fake test data (customers, orders, addresses) for tests and staging "
            "databases.",
            "Fixture factories for {lang} tests with builders for common domain objects.",
        ],
        ["Staging used copies of production data, which privacy rightly stopped."],
        "testing test-data fixtures synthetic-data",
        "{lang}; Testing",
        "Python, Java, TypeScript, Kotlin",
        weight=1.3,
    ),
    _a(
        "contract-testing",
        "testing",
        "contract-tests|Contract Tests; pact-broker-config|Pact Broker Config; api-contracts|API Contracts",
        [
            "Consumer-driven contract testing with Pact: broker setup, CI checks and can-i-deploy gates.",
        ],
        ["Breaking API changes were found in production."],
        "testing contract-testing pact api",
        "{lang}; Pact",
        "Java, TypeScript, Kotlin, Go",
        weight=0.7,
    ),
    _a(
        "load-testing",
        "testing",
        "load-tests|Load Tests; perf-harness|Perf Harness; k6-scenarios|k6 Scenarios; stress-test|Stress "
        "Test; gatling-simulations|Gatling Simulations",
        [
            "Load and performance testing harness with k6: scenarios for peak traffic and reports compared "
            "against the last release.",
            "Gatling simulations for Black Friday traffic with dashboards of latency percentiles.",
        ],
        ["We learned our capacity limits on Black Friday. Now we learn them in October."],
        "load-testing performance k6 gatling testing",
        "JavaScript; Scala; Performance",
        "JavaScript, Scala, TypeScript, Go",
        weight=1.3,
    ),
    _a(
        "e2e-testing",
        "testing",
        "e2e-tests|E2E Tests; browser-tests|Browser Tests; playwright-harness|Playwright Harness; "
        "ui-test-kit|UI Test Kit",
        [
            "End-to-end browser tests with Playwright: page objects, test accounts and screenshots on "
            "failure.",
            "Visual regression and cross-browser testing harness for web frontends.",
        ],
        ["Releases were blocked by manual click-through testing."],
        "testing e2e playwright browser",
        "TypeScript; Playwright",
        "TypeScript, JavaScript",
    ),
    # e-mail and notifications
    _a(
        "email-sender",
        "notifications",
        "mailer|Mailer; email-service|Email Service; transactional-email|Transactional Email; "
        "smtp-relay|SMTP Relay; postbox|Postbox",
        [
            "Sends transactional e-mails (order confirmations, password resets) through our providers with "
            "retries, bounce handling and suppression lists.",
            "E-mail delivery API with templates, tracking and DKIM/SPF set up for every brand domain.",
            "{lang} client for the company mail service: render a template and send it in one call.",
        ],
        ["Password reset e-mails landed in spam because every team configured sending differently."],
        "email notifications smtp messaging",
        "{lang}; SMTP",
        "Go, Java, Python, TypeScript",
    ),
    _a(
        "email-templates",
        "notifications",
        "email-templates|Email Templates; mjml-templates|MJML Templates; newsletter-kit|Newsletter Kit",
        [
            "Responsive e-mail templates in MJML with the brand styles, previews and localisation.",
        ],
        ["E-mails rendered differently in every mail client."],
        "email templates mjml marketing",
        "HTML; MJML",
        "HTML, JavaScript",
        weight=0.7,
    ),
    _a(
        "notification-hub",
        "notifications",
        "notification-hub|Notification Hub; notify|Notify; comms-platform|Comms Platform; "
        "customer-alerts|Customer Alerts",
        [
            "One API to notify customers by e-mail, SMS, push or in-app message, respecting their "
            "preferences and quiet hours.",
            "Multi-channel notification service with templates, a preference center and delivery status.",
        ],
        ["Customers got the same message three times through three channels."],
        "notifications sms email push-notifications messaging",
        "{lang}; Kafka",
        "Java, Kotlin, Go, TypeScript",
    ),
    # geo
    _a(
        "geocoding",
        "geo",
        "geocoder|Geocoder; address-lookup|Address Lookup; geocoding-service|Geocoding Service; "
        "places|Places",
        [
            "Turns addresses into coordinates and back (geocoding and reverse geocoding) with a cache in "
            "front of the map provider.",
            "Address autocomplete and validation for checkout forms in 40 countries.",
        ],
        ["We paid the map provider for the same address lookups millions of times."],
        "geocoding geo addresses maps",
        "{lang}; GIS",
        "Python, Go, Java, TypeScript",
        weight=1.4,
    ),
    _a(
        "geo-utils",
        "geo",
        "geo-utils|Geo Utils; geokit|GeoKit; h3-helpers|H3 Helpers; spatial|Spatial",
        [
            "Geospatial helpers for {lang}: distances, polygons, delivery zones and H3 hexagon indexing.",
            "Point-in-polygon checks and routing distance estimates for delivery areas.",
        ],
        ["Three teams had three different haversine functions, one of them wrong."],
        "geo geospatial gis h3 maps",
        "{lang}; GIS",
        "Python, Go, Java, Kotlin",
    ),
    _a(
        "map-tiles",
        "geo",
        "map-tiles|Map Tiles; tile-server|Tile Server; indoor-maps|Indoor Maps",
        [
            "Vector map tile server for store and warehouse maps, built from OpenStreetMap data.",
        ],
        ["Commercial map tiles for internal tools cost more than the tools."],
        "maps geo tiles openstreetmap",
        "{lang}; GIS",
        "Go, TypeScript",
        weight=0.6,
    ),
    # images
    _a(
        "image-resizer",
        "images",
        "image-resizer|Image Resizer; thumbnailer|Thumbnailer; image-service|Image Service; "
        "imgproxy-config|Imgproxy Config; media-transform|Media Transform",
        [
            "On-the-fly image resizing, cropping and format conversion (WebP, AVIF) behind the CDN.",
            "Generates thumbnails for product photos in several sizes when images are uploaded.",
            "{lang} library for image processing: resize, rotate by EXIF orientation, strip metadata and "
            "compress.",
        ],
        [
            "Product pages shipped 5 MB photos to phones.",
            "Every team had its own ImageMagick scripts.",
        ],
        "images image-processing thumbnails media cdn",
        "{lang}; libvips",
        "Go, Rust, Python, TypeScript",
        weight=1.3,
    ),
    _a(
        "image-moderation",
        "images",
        "image-moderation|Image Moderation; photo-quality-check|Photo Quality Check; "
        "media-classifier|Media Classifier",
        [
            "Checks user-uploaded photos for inappropriate content and low quality using ML classifiers.",
        ],
        ["Marketplace sellers uploaded everything."],
        "images machine-learning moderation computer-vision",
        "Python; Computer vision",
        "Python",
        weight=0.6,
    ),
    # cross-cutting libraries
    _a(
        "config-lib",
        "platform",
        "config|Config; settings-loader|Settings Loader; config-service|Config Service; "
        "dynamic-config|Dynamic Config",
        [
            "Typed configuration for {lang} services from environment, files and the config service, with "
            "validation and hot reload.",
        ],
        ["A typo in an environment variable took down payments."],
        "configuration settings twelve-factor",
        "{lang}",
        "Go, Java, Python, TypeScript",
    ),
    _a(
        "service-template",
        "platform",
        "service-template|Service Template; cookiecutter-service|Cookiecutter Service; golden-path|Golden "
        "Path; starter-kit|Starter Kit",
        [
            "Template for new {lang} microservices with logging, metrics, tracing, health checks and CI "
            "already wired up.",
        ],
        ["Starting a service took two weeks of copy-paste."],
        "template scaffolding microservices golden-path",
        "{lang}",
        "Go, Java, Python, Kotlin, TypeScript",
    ),
    _a(
        "slack-bot-framework",
        "platform",
        "slack-bot-kit|Slack Bot Kit; chatops-framework|ChatOps Framework; bolt-starter|Bolt Starter",
        [
            "Framework for building Slack bots and slash commands with Bolt, including auth and deployment.",
        ],
        ["Every team wrote its own Slack bot plumbing."],
        "slack chatops bots",
        "{lang}; Slack API",
        "Python, TypeScript",
        weight=0.6,
    ),
    _a(
        "file-transfer",
        "platform",
        "sftp-gateway|SFTP Gateway; file-transfer|File Transfer; partner-files|Partner Files",
        [
            "Managed file transfer with partners over SFTP and S3, with PGP encryption and arrival alerts.",
        ],
        ["Partner files arrived on a server under someone's desk."],
        "sftp file-transfer integration",
        "{lang}; SFTP",
        "Java, Python, Go",
        weight=0.6,
    ),
    _a(
        "export-service",
        "platform",
        "export-service|Export Service; csv-export|CSV Export; report-builder|Report Builder",
        [
            "Exports large datasets to CSV and Excel asynchronously and e-mails a download link.",
        ],
        ["Back-office exports timed out after 30 seconds."],
        "export csv excel reporting",
        "{lang}",
        "Java, Python",
        weight=0.6,
    ),
    _a(
        "barcode",
        "platform",
        "barcode|Barcode; qr-codes|QR Codes; label-printing|Label Printing",
        [
            "Generates and scans barcodes and QR codes; prints shipping labels on Zebra printers (ZPL).",
        ],
        ["Warehouses used three label formats."],
        "barcode qr-code logistics printing",
        "{lang}",
        "Java, Python, TypeScript",
        weight=0.6,
    ),
)


# --- unrelated projects: team apps, look-alikes with misleading words, and plain noise -------------

NOISE_ARCHETYPES: tuple[Archetype, ...] = (
    _a(
        "noise:editorial",
        "noise",
        "content-authoring|Content Authoring; author-pages|Author Pages; editorial-cms|Editorial CMS",
        [
            "Editorial CMS where authors write, review and schedule magazine articles and recipes.",
            "Profile pages for our guest authors, with their articles and social links.",
        ],
        ["The content team needed to publish without a developer."],
        "cms content editorial",
        "{lang}",
        "TypeScript, PHP",
        noise=True,
    ),
    _a(
        "noise:operator-console",
        "noise",
        "operator-console|Operator Console; call-center-desk|Call Center Desk; agent-workspace|Agent "
        "Workspace",
        [
            "Workspace for customer service operators: customer lookup, order history and call notes.",
            "Console used by call-center operators to handle returns and complaints.",
        ],
        ["Operators switched between seven tools per call."],
        "customer-service call-center",
        "{lang}",
        "TypeScript, Java",
        noise=True,
    ),
    _a(
        "noise:flags",
        "noise",
        "country-flags|Country Flags; flag-icons|Flag Icons",
        ["SVG flag icons for every country, used by the storefront's country and language selector."],
        [],
        "icons svg",
        "SVG",
        "JavaScript",
        weight=0.5,
        noise=True,
    ),
    _a(
        "noise:office-migration",
        "noise",
        "office-move|Office Move; workplace-migration-tracker|Workplace Migration Tracker; "
        "wiki-migration|Wiki Migration",
        [
            "Tracks desks, equipment and the move plan for the Berlin office migration.",
            "Scripts that migrated the old wiki pages to Confluence, kept for reference.",
        ],
        [],
        "workplace",
        "{lang}",
        "Python, TypeScript",
        weight=0.6,
        noise=True,
    ),
    _a(
        "noise:shift-planning",
        "noise",
        "shift-planner|Shift Planner; rota|Rota; staff-scheduling|Staff Scheduling",
        [
            "Plans warehouse shifts and staff schedules around peak weeks; employees swap shifts in the app.",
            "Store staff rota with holiday requests and overtime rules.",
        ],
        ["Shift plans lived in spreadsheets printed on the break room wall."],
        "workforce warehouse",
        "{lang}",
        "Kotlin, TypeScript",
        noise=True,
    ),
    _a(
        "noise:events-calendar",
        "noise",
        "events-calendar|Events Calendar; meetup-site|Meetup Site; townhall-app|Town Hall App",
        ["Internal events calendar and registration for tech talks and town halls."],
        [],
        "events internal",
        "{lang}",
        "TypeScript",
        weight=0.6,
        noise=True,
    ),
    _a(
        "noise:loyalty",
        "noise",
        "loyalty-points|Loyalty Points; rewards-service|Rewards Service",
        ["Customer loyalty programme: earn and redeem points at checkout and in stores."],
        ["Members spend 30% more; the programme needs to be reliable."],
        "loyalty customers",
        "{lang}",
        "Java, Kotlin",
        noise=True,
    ),
    _a(
        "noise:pricing",
        "noise",
        "pricing-engine|Pricing Engine; promo-rules|Promo Rules; discount-service|Discount Service",
        [
            "Computes prices, promotions and coupon discounts for the storefront, caching results per "
            "region.",
            "Promotion rules engine used by merchandisers to set up campaigns.",
        ],
        [],
        "pricing promotions",
        "{lang}",
        "Java, Kotlin, Go",
        noise=True,
    ),
    _a(
        "noise:recommendations",
        "noise",
        "recommendations|Recommendations; similar-products|Similar Products",
        ["Product recommendation widgets (people also bought) powered by a nightly model."],
        [],
        "recommendations personalization",
        "{lang}",
        "Python, TypeScript",
        noise=True,
    ),
    _a(
        "noise:hr",
        "noise",
        "onboarding-portal|Onboarding Portal; hr-forms|HR Forms; leave-requests|Leave Requests",
        [
            "Employee onboarding checklist, laptop orders and access requests for new joiners.",
            "HR forms (travel, leave, expenses) that employees fill in online and download as PDF.",
        ],
        [],
        "hr internal",
        "{lang}",
        "TypeScript, Java",
        noise=True,
    ),
    _a(
        "noise:lunch-bot",
        "noise",
        "lunch-bot|Lunch Bot; cafeteria-menu|Cafeteria Menu",
        ["Slack bot posting today's cafeteria menu at 11:30."],
        [],
        "slack fun",
        "{lang}",
        "Python, JavaScript",
        weight=0.4,
        noise=True,
    ),
    _a(
        "noise:marketing-sites",
        "noise",
        "landing-pages|Landing Pages; campaign-site|Campaign Site; seo-sitemaps|SEO Sitemaps",
        [
            "Marketing landing pages for seasonal campaigns, built with Next.js and React components.",
            "Generates sitemaps and structured data for search engines.",
        ],
        [],
        "marketing seo nextjs",
        "{lang}",
        "TypeScript, JavaScript",
        noise=True,
    ),
    _a(
        "noise:kpi-dashboards",
        "noise",
        "sales-dashboard|Sales Dashboard; kpi-reports|KPI Reports; finance-metrics|Finance Metrics",
        [
            "Business KPI dashboards for the regional sales teams: revenue, conversion and basket size "
            "metrics.",
            "Monthly finance metrics pack generated from the warehouse.",
        ],
        [],
        "reporting business-intelligence",
        "{lang}",
        "Python, SQL",
        noise=True,
    ),
    _a(
        "noise:supplier-portal",
        "noise",
        "supplier-portal|Supplier Portal; vendor-onboarding|Vendor Onboarding",
        ["Portal where suppliers upload price lists and log in with their vendor account."],
        [],
        "suppliers b2b",
        "{lang}",
        "Java, TypeScript",
        noise=True,
    ),
    _a(
        "noise:warehouse",
        "noise",
        "wms-adapter|WMS Adapter; pick-and-pack|Pick and Pack; inventory-sync|Inventory Sync",
        [
            "Synchronises stock levels between the warehouse management system and the shop every five "
            "minutes.",
            "Handheld scanner app for picking and packing orders.",
        ],
        [],
        "warehouse logistics inventory",
        "{lang}",
        "Java, Kotlin, Python",
        noise=True,
    ),
    _a(
        "noise:store-locator",
        "noise",
        "store-locator|Store Locator; store-finder|Store Finder",
        ["Web page to find the nearest store with opening hours and a map."],
        [],
        "stores web",
        "{lang}",
        "TypeScript",
        weight=0.5,
        noise=True,
    ),
    _a(
        "noise:parcel-tracking",
        "noise",
        "parcel-tracking|Parcel Tracking; delivery-eta|Delivery ETA",
        ["Shows customers where their parcel is and sends delivery updates."],
        [],
        "delivery logistics",
        "{lang}",
        "Kotlin, Go",
        noise=True,
    ),
    _a(
        "noise:support",
        "noise",
        "support-macros|Support Macros; zendesk-apps|Zendesk Apps",
        ["Macros and Zendesk apps for customer support agents."],
        [],
        "customer-service",
        "{lang}",
        "JavaScript",
        weight=0.5,
        noise=True,
    ),
    _a(
        "noise:notebooks",
        "noise",
        "analysis-notebooks|Analysis Notebooks; churn-analysis|Churn Analysis; forecasting|Forecasting",
        [
            "Jupyter notebooks for the churn analysis (Python, pandas, scikit-learn).",
            "Demand forecasting experiments for the buying team.",
        ],
        [],
        "analytics notebooks",
        "Python; pandas",
        "Jupyter Notebook, Python",
        noise=True,
    ),
    _a(
        "noise:crm-sync",
        "noise",
        "crm-sync|CRM Sync; salesforce-integration|Salesforce Integration",
        ["Nightly sync of customer accounts from the shop into Salesforce; errors are logged to a CSV file."],
        [],
        "crm salesforce",
        "{lang}",
        "Java, Python",
        noise=True,
    ),
    _a(
        "noise:team-docs",
        "noise",
        "runbooks|Runbooks; postmortems|Postmortems; architecture-decisions|Architecture Decisions; "
        "team-handbook|Team Handbook",
        [
            "The {Org} team's runbooks, on-call notes and architecture decision records.",
            "Incident postmortems of the {Org} team.",
        ],
        [],
        "documentation",
        "Markdown",
        "Markdown, HTML",
        noise=True,
    ),
    _a(
        "noise:tax",
        "noise",
        "tax-calculation|Tax Calculation; vat-rules|VAT Rules",
        ["Calculates VAT and sales tax for orders in every market."],
        [],
        "tax finance",
        "{lang}",
        "Java, Kotlin",
        noise=True,
    ),
    _a(
        "noise:product-import",
        "noise",
        "product-import|Product Import; catalog-feed|Catalog Feed",
        ["Imports product data feeds from suppliers (CSV, XML) into the catalog every hour."],
        [],
        "catalog products",
        "{lang}",
        "Java, Python",
        noise=True,
    ),
    _a(
        "noise:fraud",
        "noise",
        "fraud-rules|Fraud Rules; risk-scoring|Risk Scoring",
        [
            "Scores orders for fraud risk with rules and a gradient-boosted model, and flags suspicious "
            "orders for manual review.",
        ],
        [],
        "fraud risk",
        "{lang}",
        "Python, Java",
        noise=True,
    ),
    _a(
        "noise:chat-widget",
        "noise",
        "chat-widget|Chat Widget; live-chat|Live Chat",
        ["Live chat widget for the storefront, connecting customers to support operators."],
        [],
        "customer-service web",
        "{lang}",
        "TypeScript",
        weight=0.5,
        noise=True,
    ),
    _a(
        "noise:pos",
        "noise",
        "in-store-kiosk|In-store Kiosk; pos-terminal|POS Terminal",
        [
            "Software for in-store kiosks and point-of-sale terminals; card payments go through the terminal "
            "vendor."
        ],
        [],
        "stores retail",
        "{lang}",
        "C#, Java",
        noise=True,
    ),
    _a(
        "noise:training",
        "noise",
        "python-training|Python Training; go-bootcamp|Go Bootcamp; react-training|React Training; "
        "sql-course|SQL Course",
        ["Exercises and slides from the internal {lang} training for new joiners."],
        [],
        "training",
        "{lang}",
        "Python, Go, TypeScript, SQL",
        noise=True,
    ),
    _a(
        "noise:mobile-apps",
        "noise",
        "shop-app-{plat}|Shop App for {ptitle}; {plat}-app|{ptitle} App",
        ["The customer shopping app for {platform}."],
        ["Most of our customers shop on their phones."],
        "mobile app",
        "{lang}",
        "Swift, Kotlin",
        noise=True,
    ),
)

HACK_IDEAS = (
    "a Kafka-powered office jukebox",
    "a Raspberry Pi Kubernetes cluster for the office screens",
    "an emoji-based code review bot",
    "the cafeteria menu as a PDF every morning",
    "release notes written by a language model",
    "plant watering reminders with cron",
    "a login page for the coffee machine",
    "a feature-flagged Christmas theme for the intranet",
    "a metrics dashboard for the foosball table",
    "terraforming the office Minecraft server on AWS",
    "a Slack bot that finds meeting rooms",
    "dark mode for the expense tool",
    "a voice assistant for the warehouse",
    "guessing delivery times from the weather",
    "automatic alt text for product images",
)

GENERIC_NOUNS = ("service", "api", "web", "app", "admin", "backend", "frontend", "worker", "tools", "scripts")
GENERIC_DESCRIPTIONS = (
    "",
    "",
    "Internal service of the {Org} team.",
    "Backend for the {Org} domain.",
    "Admin UI for {Org} operations.",
    "Shared utilities used by {Org} services.",
    "Scripts we run by hand during releases.",
    "WIP - do not use.",
    "Playground for trying things out.",
    "Deployment configuration for the {Org} services.",
    "Nightly batch jobs of the {Org} team.",
    "Prototype from Q{q} planning.",
)

# --- teams ---------------------------------------------------------------------------------------

BASE_ORGS = (
    "identity",
    "security",
    "payments",
    "checkout",
    "platform",
    "sre",
    "data-platform",
    "ml-platform",
    "mobile",
    "web-foundations",
    "search",
    "growth",
    "logistics",
    "warehouse",
    "marketing-tech",
    "finance-systems",
    "hr-tech",
    "devex",
    "customer-care",
    "catalog",
    "pricing",
    "loyalty",
    "fulfilment",
    "analytics",
    "core-services",
    "retail-stores",
    "partner-integrations",
    "merchant-services",
    "risk",
    "cloud-infra",
    "observability",
    "api-platform",
    "content",
    "localization",
    "qa-guild",
    "design",
)
REGIONS = ("emea", "na", "apac", "latam")
HOME_ORGS: dict[str, tuple[str, ...]] = {
    "identity": ("identity", "security", "platform"),
    "payments": ("payments", "checkout", "finance-systems", "merchant-services"),
    "kubernetes": ("platform", "cloud-infra", "sre"),
    "scheduling": ("platform", "core-services", "data-platform"),
    "flags": ("devex", "web-foundations", "growth"),
    "observability": ("observability", "sre", "platform"),
    "databases": ("platform", "data-platform", "core-services"),
    "caching": ("platform", "catalog", "search"),
    "messaging": ("core-services", "platform", "data-platform"),
    "api": ("api-platform", "platform", "partner-integrations"),
    "cli": ("devex", "platform"),
    "cicd": ("devex", "platform", "cloud-infra"),
    "terraform": ("cloud-infra", "platform", "sre"),
    "secrets": ("security", "platform"),
    "ml": ("ml-platform", "data-platform", "search"),
    "data": ("data-platform", "analytics"),
    "mobile": ("mobile", "growth", "identity"),
    "frontend": ("web-foundations", "design", "growth"),
    "docs": ("devex", "finance-systems", "fulfilment"),
    "search": ("search", "catalog"),
    "i18n": ("localization", "web-foundations", "mobile"),
    "testing": ("qa-guild", "devex"),
    "notifications": ("customer-care", "growth", "core-services"),
    "geo": ("logistics", "fulfilment", "retail-stores"),
    "images": ("catalog", "content", "ml-platform"),
    "platform": ("platform", "devex", "core-services"),
    "noise": BASE_ORGS,
}
FIRST_NAMES = (
    "ana", "ben", "chen", "dana", "emre", "fatima", "gus", "hana", "ivan", "jo", "kofi", "lena", "mia",
    "nils", "omar", "priya", "quinn", "rosa", "sven", "tariq", "uma", "vera", "wei", "yusuf", "zoe",
)  # fmt: skip
LAST_NAMES = (
    "andersen", "baker", "costa", "dubois", "ek", "fischer", "garcia", "hoang", "ito", "jensen", "kowalski",
    "lopez", "meyer", "nakamura", "okafor", "petrov", "rossi", "schmidt", "tanaka", "ueda", "varga", "wong",
)  # fmt: skip

LANG_SLUG = {
    "Python": "py",
    "Go": "go",
    "Java": "java",
    "TypeScript": "ts",
    "JavaScript": "js",
    "Kotlin": "kotlin",
    "Swift": "swift",
    "Dart": "flutter",
    "Rust": "rs",
    "Ruby": "rb",
    "Scala": "scala",
}
LANG_TOPIC = {"Python": "python", "Go": "golang", "Java": "java", "TypeScript": "typescript", "Rust": "rust"}
PLATFORM = {
    "Swift": ("iOS", "ios", "iOS"),
    "Kotlin": ("Android", "android", "Android"),
    "Java": ("Android", "android", "Android"),
    "Dart": ("Flutter (iOS and Android)", "flutter", "Flutter"),
    "TypeScript": ("React Native (iOS and Android)", "react-native", "React Native"),
}
CONTRIBUTIONS = (
    "Bug fixes",
    "Documentation",
    "Features",
    "Tests",
    "New integrations",
    "Performance improvements",
    "Examples",
    "Any",
)
ISSUE_TITLES = (
    "Add support for {lang} {v}",
    "Document the configuration options",
    "Flaky test in CI",
    "Upgrade dependencies",
    "Add an example for the README",
    "Improve the error message when the config is missing",
    "Support for the new staging environment",
    "Metrics for retries",
    "Typo in the getting started guide",
    "Port the remaining helpers from the old repository",
)
ISSUE_LABELS: tuple[tuple[str, ...], ...] = (
    ("help wanted",),
    ("good first issue",),
    ("help wanted", "good first issue"),
    ("bug",),
    ("enhancement", "help wanted"),
    ("documentation", "good first issue"),
    ("enhancement",),
)


# --- generation ----------------------------------------------------------------------------------


def generate(n: int, seed: int) -> list[ProjectRecord]:
    """`n` project records, the same for the same `n` and `seed`."""
    return build_catalog(n, seed).records


def build_catalog(n: int, seed: int) -> Catalog:
    rng = random.Random(seed)
    teams = _teams(n)
    people = [f"{f}-{last}" for f in FIRST_NAMES for last in LAST_NAMES]
    plan: list[tuple[Archetype, int]] = []
    themed = _allocate(ARCHETYPES, round(n * ARCHETYPE_SHARE))
    noise = _allocate(NOISE_ARCHETYPES, round(n * THEMED_NOISE_SHARE))
    for archetype, count in [*themed, *noise]:
        plan.extend((archetype, j) for j in range(count))
    generic = n - len(plan)
    rng.shuffle(plan)

    catalog = Catalog(records=[])
    taken: set[str] = set()
    slots: list[tuple[Archetype, int] | None] = [*plan, *([None] * generic)]
    rng.shuffle(slots)
    for index, slot in enumerate(slots):
        if slot is None:
            record = _generic_record(rng, index, teams, people, taken)
            catalog.archetype[record.key] = "noise:generic"
        else:
            record = _archetype_record(rng, index, slot[0], slot[1], teams, people, taken)
            catalog.archetype[record.key] = slot[0].id
        issues = _issues(rng, record)
        if issues:
            catalog.issues[record.key] = issues
        catalog.records.append(record)
    return catalog


def archetype_ids() -> set[str]:
    return {a.id for a in (*ARCHETYPES, *NOISE_ARCHETYPES)}


def vocabulary() -> list[str]:
    """Words people might type: from titles, topics and descriptions of the archetypes."""
    words: set[str] = set()
    for archetype in ARCHETYPES:
        for _, title in archetype.names:
            words.update(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z0-9]+", title))
        for topic in archetype.topics:
            words.update(topic.split("-"))
        for text in archetype.descriptions:
            words.update(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z0-9]{3,}", text))
    words -= {"lang", "platform", "ptitle", "plat", "org"}
    return sorted(words)


def _allocate(archetypes: Sequence[Archetype], total: int) -> list[tuple[Archetype, int]]:
    """Split `total` over the archetypes by weight (largest remainder), at least one each."""
    weight = sum(a.weight for a in archetypes)
    shares = [total * a.weight / weight for a in archetypes]
    counts = [max(1, math.floor(s)) for s in shares]
    order = sorted(range(len(archetypes)), key=lambda i: shares[i] - math.floor(shares[i]), reverse=True)
    for i in order[: max(0, total - sum(counts))]:
        counts[i] += 1
    return list(zip(archetypes, counts, strict=True))


@dataclass(frozen=True)
class Teams:
    all: list[str]
    by_base: dict[str, list[str]]  # "payments" -> payments, payments-emea, payments-squad-3, ...


def _teams(n: int) -> Teams:
    by_base = {org: [org] for org in BASE_ORGS}
    for org in BASE_ORGS:
        if n > 2_000:
            by_base[org] += [f"{org}-{region}" for region in REGIONS]
        if n > 20_000:
            by_base[org] += [f"{org}-squad-{k}" for k in range(1, n // 2_000)]
    return Teams([org for variants in by_base.values() for org in variants], by_base)


def _org_title(org: str) -> str:
    words = org.split("-")
    return " ".join(
        w.upper() if w in REGIONS or w in ("sre", "ml", "hr", "qa") else w.capitalize() for w in words
    )


def _pick_org(rng: random.Random, archetype: Archetype, teams: Teams) -> str:
    if rng.random() < 0.65:
        return rng.choice(teams.by_base[rng.choice(HOME_ORGS.get(archetype.domain, BASE_ORGS))])
    return rng.choice(teams.all)


def _unique(full_name: str, taken: set[str]) -> str:
    candidate, k = full_name, 2
    while candidate.lower() in taken:
        candidate, k = f"{full_name}-{k}", k + 1
    taken.add(candidate.lower())
    return candidate


def _fill(template: str, values: dict[str, str]) -> str:
    return template.format_map(values)


def _archetype_record(
    rng: random.Random,
    index: int,
    archetype: Archetype,
    j: int,
    teams: Teams,
    people: Sequence[str],
    taken: set[str],
) -> ProjectRecord:
    language = archetype.languages[j % len(archetype.languages)]
    platform, plat, ptitle = PLATFORM.get(language, (language, LANG_SLUG.get(language, "app"), language))
    org = _pick_org(rng, archetype, teams)
    values = {"lang": language, "platform": platform, "plat": plat, "ptitle": ptitle, "Org": _org_title(org)}
    slug_template, title_template = archetype.names[rng.randrange(len(archetype.names))]
    slug, title = _fill(slug_template, values), _fill(title_template, values)

    roll = rng.random()
    established = j < 4  # the first copies of an idea are the maintained ones; later copies rot
    legacy = roll < 0.1 and not established
    if legacy:
        slug = rng.choice(("legacy-{}", "{}-legacy", "{}-v1", "old-{}")).format(slug)
        title = f"{title} (legacy)"
    elif roll < 0.14:
        suffix = rng.choice(("-v2", "-v3", "-next", "2"))
        slug, title = slug + suffix, title + " " + suffix.strip("-").upper()
    if rng.random() < 0.25:
        slug = f"{org.split('-')[0]}-{slug}"
    if (
        len(set(archetype.languages)) > 1
        and language in LANG_SLUG
        and plat not in slug
        and rng.random() < 0.3
    ):
        slug = f"{slug}-{LANG_SLUG[language]}"
        title = f"{title} for {language}"

    description = _fill(rng.choice(archetype.descriptions), values)
    motivation = _fill(rng.choice(archetype.motivations), values) if archetype.motivations else ""
    if legacy:
        description = rng.choice(("Legacy: {} No longer developed.", "(deprecated) {}", "{} Replaced by v2."))
        description = description.format(_fill(rng.choice(archetype.descriptions), values))
    elif rng.random() < 0.07:
        other = rng.choice(BASE_ORGS)
        original = f"{other}/{archetype.names[0][0]}"
        description += f" Started as a fork of {original} with changes for the {values['Org']} team."
    if rng.random() < 0.05:
        description = ""  # it happens
    if rng.random() < 0.4:
        motivation = ""

    topics: list[str] = []
    if rng.random() < 0.8:
        topics = [
            archetype.topics[0],
            *rng.sample(
                archetype.topics[1:],
                rng.randint(min(1, len(archetype.topics) - 1), len(archetype.topics) - 1),
            ),
        ]
        if language in LANG_TOPIC and rng.random() < 0.3:
            topics.append(LANG_TOPIC[language])
        if rng.random() < 0.5:
            topics.append("inner-source")
    skills = [_fill(s, values) for s in archetype.skills] if rng.random() < 0.6 else []
    archived = not established and rng.random() < (0.5 if legacy else 0.08)
    return _record(
        rng,
        index=index,
        org=org,
        slug=slug,
        title=title if rng.random() < 0.7 else "",
        description=description,
        motivation=motivation,
        language=language,
        topics=topics,
        skills=list(dict.fromkeys(skills)),
        archived=archived,
        popular=j == 0,
        people=people,
        taken=taken,
    )


def _noise_ideas(rng: random.Random) -> str:
    return rng.choice(HACK_IDEAS)


def _generic_record(
    rng: random.Random, index: int, teams: Teams, people: Sequence[str], taken: set[str]
) -> ProjectRecord:
    org = rng.choice(teams.all)
    org_title = _org_title(org)
    if rng.random() < 0.12:
        year = rng.choice((2022, 2023, 2024, 2025))
        idea = _noise_ideas(rng)
        words = re.sub(r"[^a-z0-9]+", "-", idea.lower()).strip("-")
        slug = f"hackweek-{year}-{words[:32].rsplit('-', 1)[0] if len(words) > 32 else words}"
        description = f"Hack week {year}: {idea}."
        language = rng.choice(("Python", "TypeScript", "Go", "JavaScript"))
    else:
        slug = f"{org.split('-')[0]}-{rng.choice(GENERIC_NOUNS)}"
        description = rng.choice(GENERIC_DESCRIPTIONS).format(Org=org_title, q=rng.randint(1, 4))
        language = rng.choice(("Java", "Kotlin", "TypeScript", "Python", "Go", "JavaScript", "C#", "PHP"))
    return _record(
        rng,
        index=index,
        org=org,
        slug=slug,
        title="",
        description=description,
        motivation="",
        language=language,
        topics=[org.split("-")[0]] if rng.random() < 0.3 else [],
        skills=[],
        archived=rng.random() < 0.08,
        popular=False,
        people=people,
        taken=taken,
        busy=rng.random() < 0.45,  # team services are busy, not reusable
    )


def _record(
    rng: random.Random,
    *,
    index: int,
    org: str,
    slug: str,
    title: str,
    description: str,
    motivation: str,
    language: str,
    topics: list[str],
    skills: list[str],
    archived: bool,
    popular: bool,
    people: Sequence[str],
    taken: set[str],
    busy: bool | None = None,
) -> ProjectRecord:
    full_name = _unique(f"{org}/{slug}", taken)
    repo = full_name.split("/", 1)[1]
    html_url = f"https://{HOST}/{full_name}"

    tier = "stale" if archived else rng.choice(("active", "maintained", "stale"))
    if busy:
        tier = "active"
    pushed_days = {
        "active": rng.uniform(0, 21),
        "maintained": rng.uniform(21, 200),
        "stale": rng.uniform(200, 1400),
    }[tier]
    if archived:
        pushed_days = rng.uniform(400, 1500)
    created_days = pushed_days + (rng.uniform(5, 60) if rng.random() < 0.08 else rng.uniform(60, 2200))
    pushed_at = NOW - timedelta(days=pushed_days, minutes=rng.randint(0, 1440))
    created_at = NOW - timedelta(days=created_days)
    weekly = {"active": rng.uniform(1, 25), "maintained": rng.uniform(0, 3), "stale": 0.0}[tier]
    participation = [max(0, round(rng.gauss(weekly, weekly / 2))) for _ in range(52)] if weekly else []
    stars = min(
        4_000, int(rng.lognormvariate(1.0 + (1.5 if popular else 0) + (0.5 if tier == "active" else 0), 1.3))
    )
    forks = int(stars * rng.uniform(0.05, 0.4))
    watchers = int(stars * rng.uniform(0.1, 0.5)) + rng.randint(0, 3)

    contributions = rng.sample(CONTRIBUTIONS, rng.randint(1, 3)) if rng.random() < 0.4 else []
    committers = (
        [
            {"github": login, "name": login.replace("-", " ").title()}
            for login in rng.sample(people, rng.randint(1, 3))
        ]
        if rng.random() < 0.6
        else []
    )
    guidelines = "CONTRIBUTING.md" if rng.random() < 0.45 else None
    docs = f"https://docs.acme.example/{repo}" if rng.random() < 0.25 else None
    chat = f"#{repo[:70]}" if rng.random() < 0.4 else None
    readme = ""
    if rng.random() < 0.7:
        heading = title or repo
        body = "\n\n".join(p for p in (description, motivation) if p)
        readme = f"# {heading}\n\n{body}\n\n## Getting started\n\n{_install_line(language, org, repo, rng)}\n"
    meta = InnerSourceMetadata(
        title=title,
        motivation=motivation,
        description=description,
        contributions=contributions,
        skills=skills,
        topics=topics,
        docs=docs,
        language=language,
        guidelines=guidelines,
        participation=participation,
        trusted_committers=committers,
        chat_channel=chat,
    )
    raw: dict[str, Any] = {
        "title": title,
        "motivation": motivation,
        "contributions": contributions,
        "skills": skills,
    }
    return ProjectRecord(
        key=html_url.split("://", 1)[1].lower(),
        source=SOURCE,
        origin=ORIGIN,
        external_id=str(100_000 + index),
        name=repo,
        full_name=full_name,
        owner_login=org,
        html_url=html_url,
        description=description,
        language=language,
        stars=stars,
        forks=forks,
        watchers=watchers,
        subscribers=watchers,
        open_issues_count=rng.randint(0, 40) if tier != "stale" else rng.randint(0, 8),
        archived=archived,
        created_at=created_at,
        updated_at=pushed_at,
        pushed_at=pushed_at,
        metadata=meta,
        raw_metadata={k: v for k, v in raw.items() if v},
        readme_excerpt=readme,
        has_contributing=guidelines is not None,
        has_communication=chat is not None,
        has_codeowners=rng.random() < 0.5,
    )


def _install_line(language: str, org: str, repo: str, rng: random.Random) -> str:
    version = f"{rng.randint(0, 4)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
    package = repo.replace("-", "_")
    maven = f'implementation("com.acme.{org.replace("-", "")}:{repo}:{version}")'
    npm = f"npm install @acme/{repo}@{version}"
    lines = {
        "Python": f"pip install acme-{repo}=={version}",
        "Go": f"go get {HOST}/{org}/{repo}@v{version}",
        "Java": maven,
        "Kotlin": maven,
        "Scala": f'libraryDependencies += "com.acme" %% "{repo}" % "{version}"',
        "TypeScript": npm,
        "JavaScript": npm,
        "Swift": f'.package(url: "https://{HOST}/{org}/{repo}", from: "{version}")',
        "Dart": f"flutter pub add acme_{package}",
        "Rust": f"cargo add acme-{repo}@{version}",
        "Ruby": f"gem install acme-{repo} -v {version}",
        "HCL": f'module "{package}" {{ source = "git::https://{HOST}/{org}/{repo}.git?ref=v{version}" }}',
    }
    return lines.get(language, f"See the docs folder and run `make help` (v{version}).")


def _issues(rng: random.Random, record: ProjectRecord) -> list[IssueSpec]:
    """Open issues, labelled as forges label them; recently pushed projects have more."""
    if record.archived or record.pushed_at is None:
        return []
    recent = (NOW - record.pushed_at).days < 200
    if rng.random() >= (0.4 if recent else 0.08):
        return []
    specs = []
    for number in sorted(rng.sample(range(1, 300), rng.randint(1, 4))):
        title = rng.choice(ISSUE_TITLES).format(lang=record.language or "the runtime", v=rng.randint(2, 21))
        opened = record.pushed_at - timedelta(days=rng.uniform(0, 90))
        specs.append(IssueSpec(number, title, rng.choice(ISSUE_LABELS), opened))
    return specs


# --- loading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadReport:
    projects: int
    issues: int
    seconds: float
    method: str


def load(
    engine: Engine, catalog: Catalog, *, now: datetime = NOW, bulk: bool | None = None, batch: int = 500
) -> LoadReport:
    """Write the catalog into a migrated, empty database.

    Small catalogs go through `upsert_projects`, the path every source uses. Above BULK_THRESHOLD projects
    (or with bulk=True) rows are inserted directly, executemany-style, with the same columns and the same
    activity score; use `check_search_sees` afterwards if the search engine keeps its own index.
    """
    started = time.perf_counter()
    bulk = len(catalog.records) > BULK_THRESHOLD if bulk is None else bulk
    if bulk:
        _bulk_insert(engine, catalog.records, now)
    else:
        for chunk in _chunks(catalog.records, batch):
            with session_scope(engine) as session:
                upsert_projects(session, chunk, now)
    issues = _insert_issues(engine, catalog, now)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:  # what autovacuum would have done by now
            connection.exec_driver_sql("ANALYZE")
    method = "bulk insert" if bulk else f"upsert_projects in batches of {batch}"
    return LoadReport(len(catalog.records), issues, time.perf_counter() - started, method)


def _chunks(items: Sequence[ProjectRecord], size: int) -> Iterator[list[ProjectRecord]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _bulk_insert(engine: Engine, records: Sequence[ProjectRecord], now: datetime) -> None:
    with engine.begin() as connection:
        for chunk in _chunks(records, 2_000):
            rows = []
            for record in chunk:
                project = Project(
                    key=record.key, first_seen_at=now, last_seen_at=now, **record_columns(record)
                )
                project.activity_score = score_of(project, now)
                rows.append(project.model_dump(exclude={"id"}))
            connection.execute(insert(Project), rows)
        ids = _project_ids(connection)
        owners = [
            {"project_id": ids[record.key], "forge_login": login, "role": "trusted_committer"}
            for record in records
            for login in sorted({p["github"] for p in record.metadata.trusted_committers if p.get("github")})
        ]
        for start in range(0, len(owners), 5_000):
            connection.execute(insert(ProjectOwner), owners[start : start + 5_000])


def _project_ids(connection: Connection) -> dict[str, int]:
    return {key: id for key, id in connection.execute(select(Project.key, Project.id)).all()}


def _insert_issues(engine: Engine, catalog: Catalog, now: datetime) -> int:
    with engine.begin() as connection:
        ids = _project_ids(connection)
        rows = []
        for key, specs in catalog.issues.items():
            project_id = ids[key]
            for spec in specs:
                issue = Issue(
                    project_id=project_id,
                    number=spec.number,
                    title=spec.title,
                    url=f"https://{HOST}/{key.split('/', 1)[1]}/issues/{spec.number}",
                    labels=list(spec.labels),
                    author="someone",
                    state="open",
                    created_at=spec.created_at,
                    updated_at=spec.created_at,
                    labeled_at=spec.created_at,
                    first_seen_at=now,
                )
                rows.append(issue.model_dump(exclude={"id"}))
        for start in range(0, len(rows), 5_000):
            connection.execute(insert(Issue), rows[start : start + 5_000])
    return len(rows)


def check_search_sees(
    engine: Engine, catalog: Catalog, words: Iterable[str] = ("kafka", "terraform", "pdf")
) -> list[str]:
    """Problems if the search engine does not see the loaded projects (an index bulk inserts skip)."""
    from chatbot.catalog.search import search_projects

    problems = []
    visible = [r for r in catalog.records if not r.archived]
    with Session(engine) as session:
        for word in words:
            expected = sum(
                1 for r in visible if word in f"{r.name} {r.metadata.title} {r.description}".lower()
            )
            found = search_projects(session, word, limit=5).total
            if found < min(20, expected // 2):
                problems.append(
                    f"search_projects({word!r}) sees {found} projects; {expected} loaded ones say {word!r}. "
                    "Does the engine index rows written outside upsert_projects (a trigger would)?"
                )
    return problems


def summary(catalog: Catalog) -> str:
    records = catalog.records
    themed = sum(1 for r in records if not catalog.archetype[r.key].startswith("noise:"))
    archived = sum(1 for r in records if r.archived)
    with_issues = sum(1 for r in records if catalog.help_wanted(r.key))
    return (
        f"{len(records):,} projects: {themed:,} from {len(ARCHETYPES)} archetypes, {len(records) - themed:,} "
        f"unrelated team projects and noise; {archived:,} archived; {with_issues:,} with help-wanted issues"
    )
