"""A realistic synthetic knowledge base of N valid incidents, for benchmarks.

    python bench/synth.py N DIR [--seed 7] [--anchor 2026-11-30]

Writes DIR/incidents/<year>/<id>-<slug>.md (N incidents), their postmortems,
DIR/kb/**.md articles, a minimal DIR/mkdocs.yml and DIR/site_src/. The same
N, seed and anchor always give the same bytes.

What makes it realistic enough to measure:
- incidents come in clusters (a theme such as connection-pool exhaustion, on
  one main service, with its own config keys, error codes and hosts); about a
  tenth are noise incidents that mix vocabulary from everywhere;
- every status occurs (open ones are recent), with the fields each requires;
  reviewed and closed SEV1/SEV2 incidents have a published postmortem, some
  others a draft one; kb articles (a runbook per theme, known issues per
  cluster) are referenced by incidents and list some of them back;
- bodies are 3-5 KB of summary, timeline, diagnosis, impact and follow-up;
- every timestamp lies in the three years before the anchor (default: a fixed
  date, or now if that is earlier), so the documents validate with no errors
  (warnings for overdue action items and stale articles are expected).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SEED = 7
DEFAULT_ANCHOR = dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)
YEARS = 3
NOISE_SHARE = 0.1

MKDOCS_YML = """\
site_name: Synthetic incident knowledge base
theme:
  name: material
docs_dir: site_src
plugins:
  - incidentkb
"""

# --- vocabulary ---------------------------------------------------------------------

# (theme, root-cause category, type, tags, support services, symptom, cause, fix,
#  metric, domain words)
THEMES: list[dict[str, Any]] = [
    dict(name="connection-pool", category="config-change", type="technical",
         tags=["database", "connection-pool"], support=["postgres", "pgbouncer"],
         symptom="returned 502s", cause="connection-pool exhaustion",
         fix="restored the pool size and redeployed", metric="pool saturation",
         words="pool connections checkout timeout postgres pgbouncer idle saturation "
               "max_connections waiters backend queries"),
    dict(name="dns", category="network", type="availability",
         tags=["dns", "network"], support=["coredns", "route53"],
         symptom="could not resolve upstream hosts", cause="a DNS resolver outage",
         fix="failed over to the secondary resolvers", metric="NXDOMAIN rate",
         words="resolver nxdomain lookup ttl coredns upstream forwarder zone record "
               "negative-cache servfail"),
    dict(name="certificate", category="process", type="availability",
         tags=["tls", "certificates"], support=["ingress-nginx", "cert-manager"],
         symptom="rejected TLS handshakes", cause="an expired TLS certificate",
         fix="renewed the certificate and reloaded the ingress", metric="handshake failures",
         words="certificate expiry handshake chain issuer renewal acme tls ingress "
               "intermediate ocsp"),
    dict(name="memory", category="code-change", type="performance",
         tags=["memory", "kubernetes"], support=["kubernetes"],
         symptom="was OOM-killed repeatedly", cause="a memory leak in a new release",
         fix="rolled back the release", metric="resident memory",
         words="heap oom-killed leak allocation garbage-collector pods restarts limits "
               "resident cgroup"),
    dict(name="kafka-lag", category="capacity", type="performance",
         tags=["kafka", "queue"], support=["kafka", "zookeeper"],
         symptom="processed events hours late", cause="consumer lag on a hot partition",
         fix="added partitions and consumers", metric="consumer lag",
         words="partition consumer lag offset rebalance broker throughput backlog topic "
               "producer retention"),
    dict(name="disk-full", category="capacity", type="availability",
         tags=["storage", "disk"], support=["elasticsearch", "node-exporter"],
         symptom="stopped accepting writes", cause="a full data volume",
         fix="expanded the volume and pruned old indices", metric="disk usage",
         words="disk volume inode watermark read-only shard retention compaction "
               "logs rotation"),
    dict(name="bad-deploy", category="code-change", type="technical",
         tags=["deploy", "regression"], support=["argo-cd", "github-actions"],
         symptom="served errors after a deploy", cause="a regression in a new build",
         fix="rolled back to the previous build", metric="error rate",
         words="deploy rollout canary regression build artifact rollback release "
               "feature-flag migration"),
    dict(name="cdn", category="config-change", type="third-party",
         tags=["cdn", "caching"], support=["cloudfront", "varnish"],
         symptom="served stale or broken assets", cause="a CDN cache rule change",
         fix="purged the cache and reverted the rule", metric="cache hit ratio",
         words="cdn edge cache purge origin vary header ttl invalidation assets pop"),
    dict(name="rate-limit", category="dependency", type="third-party",
         tags=["rate-limit", "vendor"], support=["api-gateway"],
         symptom="was throttled by a vendor API", cause="an exhausted vendor rate limit",
         fix="added backoff and requested a higher quota", metric="429 responses",
         words="quota throttling 429 backoff retry vendor burst token-bucket limit "
               "upstream"),
    dict(name="replication", category="hardware", type="data",
         tags=["database", "replication"], support=["mysql", "orchestrator"],
         symptom="returned stale reads", cause="replication lag after a disk failure",
         fix="promoted a healthy replica", metric="replica lag",
         words="replica lag binlog failover promotion primary gtid semi-sync "
               "raid controller"),
    dict(name="auth", category="security", type="security",
         tags=["auth", "security"], support=["keycloak", "vault"],
         symptom="logged users out", cause="a rotated signing key",
         fix="re-published the key set", metric="login failures",
         words="token jwks signing key rotation session oauth login refresh scope "
               "clock-skew"),
    dict(name="network-partition", category="network", type="availability",
         tags=["network", "partition"], support=["istio", "calico"],
         symptom="timed out between zones", cause="a network partition between zones",
         fix="drained the affected zone", metric="cross-zone latency",
         words="packet loss zone partition bgp mtu mesh sidecar retries latency "
               "routing"),
    dict(name="cron", category="process", type="data",
         tags=["batch", "cron"], support=["airflow"],
         symptom="skipped the nightly batch", cause="a scheduler misconfiguration",
         fix="re-ran the batch by hand", metric="job duration",
         words="cron scheduler dag backfill batch nightly job timezone idempotent "
               "retry"),
    dict(name="cache-stampede", category="capacity", type="performance",
         tags=["cache", "redis"], support=["redis"],
         symptom="became slow under load", cause="a cache stampede after an eviction",
         fix="added request coalescing", metric="p99 latency",
         words="redis eviction stampede hot-key miss coalescing latency ttl jitter "
               "memory"),
    dict(name="schema-migration", category="data", type="data",
         tags=["database", "migration"], support=["postgres", "flyway"],
         symptom="locked a large table", cause="a blocking schema migration",
         fix="cancelled the migration and reran it online", metric="lock waits",
         words="migration lock table alter index backfill online ddl transaction "
               "vacuum"),
    dict(name="load-balancer", category="config-change", type="availability",
         tags=["load-balancer", "network"], support=["haproxy", "envoy"],
         symptom="sent traffic to drained hosts", cause="a stale load-balancer health check",
         fix="fixed the health check and reloaded", metric="5xx rate",
         words="health-check backend drain upstream listener weights haproxy envoy "
               "keepalive"),
    dict(name="ui-regression", category="code-change", type="ui",
         tags=["frontend", "regression"], support=["web-frontend"],
         symptom="showed a blank checkout page", cause="a JavaScript bundle error",
         fix="reverted the bundle", metric="client errors",
         words="bundle javascript render browser hydration css layout sentry "
               "chunk"),
    dict(name="payment-provider", category="dependency", type="third-party",
         tags=["payments", "vendor"], support=["stripe-gateway"],
         symptom="declined valid cards", cause="a payment provider outage",
         fix="routed payments to the backup provider", metric="authorisation rate",
         words="provider authorisation decline webhook settlement acquirer failover "
               "callback"),
    dict(name="clock", category="hardware", type="technical",
         tags=["ntp", "time"], support=["chrony"],
         symptom="rejected signed requests", cause="clock drift on a host group",
         fix="resynced the clocks and replaced a host", metric="clock offset",
         words="ntp chrony drift skew offset timestamp signature expiry host"),
    dict(name="data-corruption", category="data", type="data",
         tags=["data", "integrity"], support=["s3", "spark"],
         symptom="wrote duplicate records", cause="a non-idempotent retry",
         fix="deduplicated the records and fixed the retry", metric="duplicate rows",
         words="duplicate idempotency key retry records checksum reconciliation "
               "export parquet"),
]
SERVICES = [
    "payments-api", "checkout", "orders", "inventory", "search-api", "accounts",
    "notifications", "billing", "ledger", "shipping", "catalog", "recommendations",
    "auth-service", "gateway", "reporting", "analytics-pipeline", "media-upload",
    "pricing", "loyalty", "fraud-scoring", "mobile-bff", "web-frontend", "email-sender",
    "sms-sender", "invoice-service", "tax-service", "returns", "warehouse-sync",
    "partner-api", "support-portal", "identity", "session-store", "feature-flags",
    "audit-log", "data-export", "image-resizer", "geo-service", "quote-engine",
    "subscriptions", "refunds",
]
PEOPLE = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
    "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
    "yasmin", "zoe", "amir", "bea", "chen", "dmitri", "elif", "farah", "goran", "hana",
    "ines", "jonas", "kenji", "lena", "mateo", "noor", "oskar", "priya", "quinn", "rosa",
]
TEAMS = ["sre", "db-team", "platform", "payments-team", "edge-team", "security", "data-eng"]
COMMON_WORDS = (
    "alert dashboard on-call pager escalation runbook customer traffic region cluster "
    "deployment configuration metrics logs trace latency errors capacity rollback "
    "mitigation monitoring incident channel status-page ticket owner review graph spike "
    "threshold baseline window replica node host shard queue worker request response"
).split()
DETECTION = [("alert", 50), ("monitoring", 15), ("user-report", 15),
             ("internal-report", 10), ("automated-test", 5), ("other", 5)]
# open incidents are few and recent (see _detected_at); most are done with
STATUS_WEIGHTS = [("detected", 0.6), ("investigating", 0.8), ("mitigated", 1.6), ("resolved", 25),
                  ("verified", 20), ("reviewed", 22), ("closed", 30)]
SEVERITY_WEIGHTS = [("SEV1", 5), ("SEV2", 20), ("SEV3", 45), ("SEV4", 30)]
STATUSES = [s for s, _ in STATUS_WEIGHTS]

SUMMARY_SENTENCES = [
    "{service} {symptom} for {minutes} minutes, caused by {cause}.",
    "The on-call engineer was paged when {metric} on {service} crossed the alert threshold.",
    "Customers in {region} were the most affected; other regions saw elevated latency only.",
    "The team {fix}, after which {metric} returned to its baseline.",
    "The incident channel was opened at {hhmm} and the status page was updated shortly after.",
]
TIMELINE_EVENTS = [
    "{metric} on {service} rose above {number}",
    "alert `{alert}` fired and paged the on-call engineer",
    "{commander} acknowledged the page and opened the incident channel",
    "first customer reports reached support about {service}",
    "dashboards showed {metric} climbing on {host}",
    "the team suspected {support} and checked its logs",
    "error logs showed `{code}` on every {service} pod",
    "{responder} found that `{key}` had changed in the last deploy",
    "status page updated: investigating elevated errors on {service}",
    "the team {fix}",
    "{metric} started to recover",
    "traffic was shifted away from {host}",
    "a canary confirmed the fix on one {service} instance",
    "error rate back to baseline; monitoring continued",
    "{responder} opened a ticket to follow up on `{key}`",
    "incident downgraded and the channel set to monitoring",
]
DIAGNOSIS_SENTENCES = [
    "The first signal was {metric} on {service}, which rose from {small} to {number} "
    "in a few minutes.",
    "Logs from {host} showed `{code}` errors, always after {word} {word2} operations.",
    "{support} looked healthy from its own dashboards, which delayed the diagnosis "
    "by about {small} minutes.",
    "The responders compared the failing hosts with healthy ones and found `{key}` "
    "set to {number} instead of {small}.",
    "The change came in with {ticket}, which was reviewed but not tested against "
    "production {word} volumes.",
    "Because {service} retries on {word}, the load on {support} multiplied while it "
    "was already degraded.",
    "A similar pattern was seen before: {cause} had affected {service} during an earlier peak.",
    "The {word} graphs were misleading, because they aggregate over all regions and "
    "{region} dominated.",
    "Once `{key}` was identified, the fix itself took a few minutes; confirming it took longer.",
    "The team checked {word2} and {word3} settings too, and ruled them out with "
    "traces from {host}.",
    "We could not reproduce the failure in staging, where {word} traffic is two "
    "orders of magnitude lower.",
    "The alert on {metric} fired late because its threshold of {number} was tuned "
    "for the old {word} profile.",
    "Several responders worked the same hypothesis in parallel; a single owner per "
    "lead would have saved time.",
    "A heap of {word} {word2} requests queued up behind the slow calls and kept "
    "{service} saturated.",
    "After the fix, {metric} stayed flat for an hour before the incident was downgraded.",
    "The dependency graph shows {service} calls {support} on every request, with no "
    "circuit breaker in between.",
]
IMPACT_SENTENCES = [
    "About {users} users were affected over {minutes} minutes.",
    "{percent}% of requests to {service} failed or timed out at the peak.",
    "No data was lost; {word} operations that failed were retried by clients.",
    "Support received {small} tickets, mostly from {region}.",
    "Internal tools that depend on {service} were degraded as well.",
]
FOLLOW_UPS = [
    "Alert on {metric} before it reaches saturation",
    "Add a regression test for `{key}`",
    "Document the {word} failover in the runbook",
    "Add a circuit breaker between {service} and {support}",
    "Review the {word2} dashboards with the owning team",
    "Load-test {service} at twice the current peak",
    "Move `{key}` into the reviewed configuration repository",
    "Tune retries and backoff for {word} calls",
]
POSTMORTEM_SECTIONS = [
    ("Summary", ["{service} {symptom} for {minutes} minutes, caused by {cause}.",
                 "This postmortem reviews the response, the causes and what we change."]),
    ("Impact", IMPACT_SENTENCES),
    ("Root causes", ["The immediate cause was {cause}.",
                     "`{key}` was changed without a check of its effect on {support}.",
                     "{service} had no protection against slow {word} calls."]),
    ("Trigger", ["{ticket} changed `{key}` during a routine {word} update."]),
    ("Resolution", ["The team {fix}.", "{metric} returned to its baseline within minutes."]),
    ("Detection", ["The alert on {metric} paged the on-call engineer after {small} minutes."]),
    ("What went well", ["The incident channel was opened quickly and roles were clear.",
                        "The runbook for {word} failures was accurate."]),
    ("What went wrong", ["The {word} dashboards hid the regional spike.",
                         "It took {small} minutes to find the change that caused it."]),
    ("Where we got lucky", ["The incident happened outside the {word} peak."]),
    ("Lessons learned", ["Configuration changes to `{key}` need a canary.",
                         "Alerts must fire on {metric} before customers notice.",
                         "Retries without backoff turn a small fault into an outage."]),
]
REGIONS = ["eu-west", "eu-central", "us-east", "us-west", "ap-south", "ap-northeast"]


# --- model -----------------------------------------------------------------------------


@dataclass
class Cluster:
    number: int
    theme: dict[str, Any]
    service: str
    services: list[str]
    words: list[str]
    key: str
    code: str
    host: str
    alert: str
    kb: list[str] = field(default_factory=list)
    members: list[Incident] = field(default_factory=list)


@dataclass
class Incident:
    cluster: Cluster
    noise: bool
    status: str
    severity: str
    detected: dt.datetime
    meta: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    path: str = ""
    fill: dict[str, Any] = field(default_factory=dict)


def _weighted(rng: random.Random, table: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48].strip("-")


class Generator:
    """Builds the whole knowledge base in memory, then writes it."""

    def __init__(self, n: int, seed: int = DEFAULT_SEED, anchor: dt.datetime | None = None):
        self.n = n
        self.rng = random.Random(seed)
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        self.anchor = min(anchor or DEFAULT_ANCHOR, now - dt.timedelta(hours=1))
        self.today = self.anchor.date()
        self.clusters: list[Cluster] = []
        self.incidents: list[Incident] = []
        self.files: dict[str, str] = {}

    # --- clusters and incidents -------------------------------------------------

    def _cluster(self, number: int) -> Cluster:
        rng = self.rng
        theme = THEMES[number % len(THEMES)] if number < len(THEMES) else rng.choice(THEMES)
        service = rng.choice(SERVICES)
        support = theme["support"]
        services = [service] + rng.sample(support, k=min(len(support), rng.randint(1, 2)))
        words = theme["words"].split()
        suffix = rng.choice(["max", "timeout", "size", "limit", "ratio", "interval"])
        key = f"{rng.choice(words).replace('-', '_')}_{suffix}"
        return Cluster(
            number=number, theme=theme, service=service, services=services,
            words=words, key=f"{service.split('-')[0]}.{key}",
            code=f"E{rng.randint(1000, 9999)}-{theme['name'].upper()[:4]}",
            host=f"{service.split('-')[0]}-{rng.choice(REGIONS)}-{rng.randint(1, 40)}",
            alert=f"{service}-{_slug(theme['metric'])}-high",
        )

    def build(self) -> dict[str, str]:
        rng = self.rng
        n_clusters = max(len(THEMES), self.n // 14)
        self.clusters = [self._cluster(i) for i in range(n_clusters)]
        # cluster sizes are skewed: a few big recurring problems, many small ones
        weights = [1.0 / (1 + i % 37) ** 0.8 for i in range(n_clusters)]
        for _ in range(self.n):
            cluster = rng.choices(self.clusters, weights=weights)[0]
            noise = rng.random() < NOISE_SHARE
            status = _weighted(rng, STATUS_WEIGHTS)
            severity = _weighted(rng, SEVERITY_WEIGHTS)
            self.incidents.append(Incident(cluster, noise, status, severity,
                                           self._detected_at(status)))
        self._assign_ids()
        self._articles()
        for inc in self.incidents:
            self._incident(inc)
        for inc in self.incidents:
            self._postmortem(inc)
        self._write_articles()
        return self.files

    def _detected_at(self, status: str) -> dt.datetime:
        rng = self.rng
        if STATUSES.index(status) < STATUSES.index("resolved"):  # open: recent
            days = rng.uniform(2, 45)
        else:
            days = rng.uniform(8, 365 * YEARS - 1)
        moment = self.anchor - dt.timedelta(days=days)
        return moment.replace(second=0, microsecond=0)

    def _assign_ids(self) -> None:
        self.incidents.sort(key=lambda i: i.detected)
        per_year: dict[int, int] = {}
        width = max(4, len(str(self.n)))
        for inc in self.incidents:
            year = inc.detected.year
            per_year[year] = per_year.get(year, 0) + 1
            inc.id = f"INC-{year}-{per_year[year]:0{width}d}"
            inc.cluster.members.append(inc)

    # --- the words of one incident ---------------------------------------------------

    def _fill(self, inc: Incident) -> dict[str, Any]:
        rng = self.rng
        c = inc.cluster
        theme = c.theme
        words = c.words
        if inc.noise:  # vocabulary from anywhere
            other = rng.choice(THEMES)
            words = other["words"].split() + COMMON_WORDS
            theme = {**theme, "metric": other["metric"], "symptom": other["symptom"]}
        people = rng.sample(PEOPLE, 4)
        return {
            "service": c.service if not inc.noise else rng.choice(SERVICES),
            "support": rng.choice(theme["support"]),
            "symptom": theme["symptom"], "cause": theme["cause"], "fix": theme["fix"],
            "metric": theme["metric"], "key": c.key, "code": c.code, "host": c.host,
            "alert": c.alert, "region": rng.choice(REGIONS),
            "commander": people[0], "responder": people[1], "people": people,
            "minutes": rng.randint(5, 300), "users": rng.randint(10, 200_000),
            "percent": rng.randint(1, 60), "small": rng.randint(2, 40),
            "number": rng.randint(50, 5000), "ticket": f"CHG-{rng.randint(1000, 99999)}",
            "words": words,
        }

    def _say(self, template: str, fill: dict[str, Any]) -> str:
        rng = self.rng
        words = fill["words"]
        extra = {"word": rng.choice(words), "word2": rng.choice(words),
                 "word3": rng.choice(COMMON_WORDS),
                 "hhmm": f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"}
        return template.format(**fill, **extra)

    def _paragraph(self, fill: dict[str, Any], bank: list[str], k: int) -> str:
        sentences = self.rng.sample(bank, k=min(k, len(bank)))
        text = " ".join(self._say(s, fill) for s in sentences)
        return text[0].upper() + text[1:]

    def _body(self, inc: Incident, fill: dict[str, Any]) -> str:
        rng = self.rng
        parts = ["", "## Summary", "", self._paragraph(fill, SUMMARY_SENTENCES, 4), ""]
        parts += ["## Timeline", "", "All times UTC.", ""]
        moment = inc.detected - dt.timedelta(minutes=rng.randint(1, 20))
        picked = sorted(rng.sample(range(len(TIMELINE_EVENTS)), k=rng.randint(9, 13)))
        for event in (TIMELINE_EVENTS[i] for i in picked):  # in the order things happen
            parts.append(f"- **{moment:%H:%M}** {self._say(event, fill)}")
            moment += dt.timedelta(minutes=rng.randint(1, 25))
        parts += ["", "## Diagnosis", ""]
        for _ in range(rng.randint(3, 4)):
            parts += [self._paragraph(fill, DIAGNOSIS_SENTENCES, rng.randint(4, 5)), ""]
        parts += ["## Impact", "", self._paragraph(fill, IMPACT_SENTENCES, 3), ""]
        parts += ["## Follow-up", ""]
        parts += [f"- {self._say(f, fill)}" for f in rng.sample(FOLLOW_UPS, k=3)]
        return "\n".join(parts) + "\n"

    # --- incident frontmatter ---------------------------------------------------------

    def _incident(self, inc: Incident) -> None:
        rng = self.rng
        c = inc.cluster
        fill = self._fill(inc)
        inc.fill = fill
        rank = STATUSES.index(inc.status)
        services = list(dict.fromkeys([fill["service"], *c.services[1:]]))
        title = f"{fill['service']} {fill['symptom']} after {fill['cause']}"
        if rng.random() < 0.3:
            title += f" ({fill['code']})"
        detected = inc.detected
        meta: dict[str, Any] = {
            "id": inc.id, "title": title, "status": inc.status, "severity": inc.severity,
            "type": c.theme["type"] if not inc.noise else rng.choice(THEMES)["type"],
            "services": services,
            "tags": list(dict.fromkeys(c.theme["tags"] + rng.sample(
                ["customer-facing", "internal", "peak-traffic", "weekend", "eu", "us"], k=1))),
            "impact": {"summary": self._say(rng.choice(IMPACT_SENTENCES), fill).rstrip(".")},
            "detection": {"method": _weighted(rng, DETECTION),
                          "source": f"grafana/{c.alert}"},
        }
        if rng.random() < 0.7:
            meta["impact"]["users_affected"] = fill["users"]
        meta["impact"]["customer_facing"] = rng.random() < 0.7
        if rng.random() < 0.85:
            meta["started_at"] = _stamp(detected - dt.timedelta(minutes=rng.randint(0, 40)))
        meta["detected_at"] = _stamp(detected)
        ack = detected + dt.timedelta(minutes=rng.randint(1, 15))
        meta["acknowledged_at"] = _stamp(ack)
        mitigated = ack + dt.timedelta(minutes=rng.randint(5, 240))
        resolved = mitigated + dt.timedelta(minutes=rng.randint(5, 2 * 24 * 60))
        verified = resolved + dt.timedelta(hours=rng.randint(1, 72))
        if rank >= 2:
            meta["mitigated_at"] = _stamp(mitigated)
        if rank >= 3:
            meta["resolved_at"] = _stamp(resolved)
        if rank >= 4:
            meta["verified_at"] = _stamp(verified)
        if rank >= 1:
            meta["commander"] = fill["commander"]
            meta["responders"] = fill["people"][1:1 + rng.randint(1, 3)]
        if rank >= 3:
            meta["root_cause"] = {"category": c.theme["category"] if not inc.noise
                                  else rng.choice(THEMES)["category"],
                                  "summary": f"{fill['cause'][0].upper()}{fill['cause'][1:]} "
                                             f"({fill['ticket']} changed {fill['key']})"}
            if rank < 5 and rng.random() < 0.05:
                meta["root_cause"]["category"] = "unknown"
            steps = []
            moment = ack
            for _ in range(rng.randint(1, 3)):
                moment = moment + (mitigated - ack) / 4
                steps.append({"at": _stamp(moment), "action": self._say(
                    rng.choice(["Rolled back {ticket}", "Failed over {service} to a standby",
                                "Scaled {service} out", "Restarted the {support} pods",
                                "Set {key} back to {small}"]), fill),
                    "rationale": "Fastest safe way to restore service"})
            meta["resolution"] = {"summary": fill["fix"][0].upper() + fill["fix"][1:],
                                  "steps": steps}
        if rank >= 4:
            meta["verification"] = {"method": f"24h of {fill['metric']} monitoring at baseline"}
        comms_end = mitigated if rank >= 2 else ack
        meta["communications"] = [
            {"at": _stamp(ack + (comms_end - ack) / 2), "audience": "internal",
             "channel": "slack", "summary": f"Investigating {fill['metric']} on {fill['service']}"},
        ]
        if inc.severity in ("SEV1", "SEV2"):
            meta["communications"].append(
                {"at": _stamp(comms_end), "audience": "external", "channel": "status-page",
                 "summary": f"Elevated errors on {fill['service']}"})
        items = self._action_items(inc, resolved if rank >= 3 else detected, fill)
        if items:
            meta["action_items"] = items
        related = [m.id for m in c.members if m.detected < detected][-3:]
        if related and rng.random() < 0.5:
            meta["related"] = rng.sample(related, k=min(len(related), rng.randint(1, 2)))
        if c.kb and rng.random() < 0.6:
            meta["kb"] = rng.sample(c.kb, k=min(len(c.kb), rng.randint(1, 2)))
        inc.meta = meta
        inc.path = f"incidents/{detected.year}/{inc.id}-{_slug(title)}.md"
        self.files[inc.path] = render(meta, self._body(inc, fill))

    def _action_items(self, inc: Incident, after: dt.datetime,
                      fill: dict[str, Any]) -> list[dict[str, Any]]:
        rng = self.rng
        rank = STATUSES.index(inc.status)
        count = rng.randint(1, 4) if rank >= 5 else (rng.randint(0, 2) if rank >= 3 else 0)
        items = []
        for template in rng.sample(FOLLOW_UPS, k=count):
            due = (after + dt.timedelta(days=rng.randint(7, 90))).date()
            if inc.status == "closed":
                status = "done" if rng.random() < 0.9 else "wontfix"
            elif due < self.today - dt.timedelta(days=60):  # old items: mostly done by now
                status = rng.choice(["done"] * 8 + ["wontfix", "open", "in-progress"])
            else:
                status = rng.choice(["open", "in-progress", "done", "done"])
            item = {"title": self._say(template, fill).replace("`", ""),
                    "owner": rng.choice(fill["people"]), "due": due.isoformat(), "status": status}
            if status == "done":
                item["done_at"] = min(due, self.today).isoformat()
            items.append(item)
        return items

    # --- postmortems and articles -------------------------------------------------------

    def _postmortem(self, inc: Incident) -> None:
        rng = self.rng
        rank = STATUSES.index(inc.status)
        major = inc.severity in ("SEV1", "SEV2")
        if rank >= 5 and (major or rng.random() < 0.25):
            status = "published"
        elif rank >= 3 and major and rng.random() < 0.5:
            status = rng.choice(["draft", "in-review"])
        else:
            return
        fill = inc.fill
        meta: dict[str, Any] = {
            "kind": "postmortem", "incident": inc.id,
            "title": f"Postmortem: {inc.meta['title']}", "status": status,
            "authors": [fill["commander"]],
        }
        if status == "published":
            resolved = dt.datetime.fromisoformat(inc.meta["resolved_at"].replace("Z", "+00:00"))
            review = min(resolved.date() + dt.timedelta(days=rng.randint(2, 14)), self.today)
            meta["reviewers"] = rng.sample(PEOPLE, 2)
            meta["review_date"] = review.isoformat()
        parts = [""]
        for heading, bank in POSTMORTEM_SECTIONS:
            parts += [f"## {heading}", "", self._paragraph(fill, bank, 3), ""]
        path = f"incidents/{inc.detected.year}/{inc.id}-postmortem.md"
        self.files[path] = render(meta, "\n".join(parts))

    def _articles(self) -> None:
        """A runbook per theme, and a known-issue article for the bigger clusters."""
        for theme in THEMES:
            path = f"kb/runbooks/{theme['name']}.md"
            for c in self.clusters:
                if c.theme is theme:
                    c.kb.append(path)
        big = sorted(self.clusters, key=lambda c: -len(c.members))[: max(5, self.n // 60)]
        for c in big:
            c.kb.append(f"kb/known-issues/{_slug(c.service)}-{c.theme['name']}-{c.number}.md")

    def _write_articles(self) -> None:
        rng = self.rng
        for theme in THEMES:
            path = f"kb/runbooks/{theme['name']}.md"
            meta = {"title": f"Runbook: {theme['cause']}", "kind": "runbook",
                    "services": theme["support"], "tags": theme["tags"],
                    "owners": [rng.choice(TEAMS)],
                    "last_reviewed": self._days_ago(rng.randint(10, 500))}
            self.files[path] = render(meta, self._article_body(theme))
        for c in self.clusters:
            for path in c.kb:
                if not path.startswith("kb/known-issues/"):
                    continue
                meta = {"title": f"Known issue: {c.service} {c.theme['symptom']}",
                        "kind": "known-issue", "services": c.services, "tags": c.theme["tags"],
                        "owners": [rng.choice(TEAMS)],
                        "last_reviewed": self._days_ago(rng.randint(5, 300))}
                if c.members:
                    meta["incidents"] = [m.id for m in c.members[:5]]
                self.files[path] = render(meta, self._article_body(c.theme, c))

    def _days_ago(self, days: int) -> str:
        return (self.today - dt.timedelta(days=days)).isoformat()

    def _article_body(self, theme: dict[str, Any], c: Cluster | None = None) -> str:
        key = c.key if c else "the relevant setting"
        lines = ["", "## Symptoms", "", f"Services {theme['symptom']}; {theme['metric']} is high.",
                 "", "## Diagnosis", ""]
        words = theme["words"].split()[:6]
        lines += [f"{i}. Check {w} on the affected hosts." for i, w in enumerate(words, 1)]
        lines += ["", "## Mitigation", "", f"Usually the team {theme['fix']}. Check `{key}`.", ""]
        return "\n".join(lines)


# --- YAML rendering (a small emitter: fast, and the output looks hand-written) ---------

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ._/()-]*$")
_RESERVED = {"yes", "no", "true", "false", "null", "on", "off", "y", "n", "~"}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?", text):
        return text  # a date or a timestamp, as people write them
    if _PLAIN.match(text) and text.lower() not in _RESERVED and not text.endswith(" "):
        return text
    return json.dumps(text, ensure_ascii=False)


def _emit(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict) and item:
                out.append(f"{pad}{key}:")
                out.extend(_emit(item, indent + 2))
            elif isinstance(item, list) and item and isinstance(item[0], dict):
                out.append(f"{pad}{key}:")
                for element in item:
                    lines = _emit(element, indent + 4)
                    out.append(f"{pad}  - {lines[0].lstrip()}")
                    out.extend(lines[1:])
            elif isinstance(item, list):
                out.append(f"{pad}{key}: [{', '.join(_scalar(x) for x in item)}]")
            else:
                out.append(f"{pad}{key}: {_scalar(item)}")
    return out


def render(meta: dict[str, Any], body: str) -> str:
    return "---\n" + "\n".join(_emit(meta, 0)) + "\n---\n" + body


def generate(n: int, directory: Path | str, *, seed: int = DEFAULT_SEED,
             anchor: dt.datetime | None = None) -> dict[str, int]:
    """Write the knowledge base of N incidents into `directory`; return counts."""
    directory = Path(directory)
    files = Generator(n, seed, anchor).build()
    made: set[Path] = set()
    for rel, text in files.items():
        path = directory / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_text(text, encoding="utf-8")
    (directory / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (directory / "site_src").mkdir(parents=True, exist_ok=True)
    (directory / "site_src" / "about.md").write_text(
        "# About\n\nA synthetic knowledge base made by bench/synth.py.\n", encoding="utf-8")
    postmortems = sum(1 for p in files if p.endswith("-postmortem.md"))
    articles = sum(1 for p in files if p.startswith("kb/"))
    return {"incidents": len(files) - postmortems - articles, "postmortems": postmortems,
            "articles": articles, "bytes": sum(len(t.encode()) for t in files.values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="how many incidents")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--anchor", type=dt.date.fromisoformat,
                        help="latest date of any timestamp (default 2026-11-30 or today)")
    args = parser.parse_args(argv)
    anchor = (dt.datetime.combine(args.anchor, dt.time(), dt.timezone.utc)
              if args.anchor else None)
    counts = generate(args.n, args.directory, seed=args.seed, anchor=anchor)
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
