"""Failure modes: a small lexicon that links incidents told in different words.

Two write-ups of a certificate expiry may share no rare word ("x509", "cert
rotation", "expired leaf"); both name the same failure mode. Each mode lists
trigger terms (one or two words, as `text.terms` analyses them); an
incident's activation of a mode is the weighted count of its triggers, and
similarity treats modes as one more feature group, weighted by rarity like
any term. The lexicon is general SRE vocabulary, written from common incident
classes, not from any one knowledge base.
"""

from __future__ import annotations

from collections.abc import Mapping

from .text import words

# mode -> trigger phrases (natural text; analysed at import)
FAILURE_MODES: dict[str, tuple[str, ...]] = {
    "certificate expiry": (
        "certificate expired", "cert expired", "expired certificate", "expired cert",
        "certificate expiry", "certificate expiration", "cert expiry", "certificate renewal",
        "renew certificate", "renewed certificate", "x509", "ocsp", "certificate chain",
        "intermediate certificate", "letsencrypt", "acme challenge",
        "cert-manager", "certificate rotation", "tls handshake", "ssl handshake",
        "certificate verify", "leaf certificate", "expired ca",
    ),
    "dns failure": (
        "dns", "resolver", "nameserver", "nameservers", "name server", "nxdomain",
        "servfail", "dns record", "dns records", "zone file", "dns resolution", "coredns",
        "kube-dns", "dnssec", "authoritative", "recursive resolver", "cname", "route53",
        "dns provider", "dns lookup",
    ),
    "routing / bgp": (
        "bgp", "route leak", "leaked routes", "prefix", "prefixes", "hijack", "hijacked",
        "autonomous system", "asn", "rpki", "peering", "transit provider",
        "route announcement", "announced routes", "withdrawn routes", "withdrew",
        "upstream isp",
    ),
    "storage exhaustion": (
        "disk full", "full disk", "space left", "disk space", "inode",
        "inodes", "enospc", "disk pressure", "ephemeral storage", "volume full",
        "filled disk", "filled volume", "disk usage", "storage full", "log rotation",
        "logrotate", "free space",
    ),
    "memory exhaustion / leak": (
        "memory leak", "leaked memory", "leaking memory", "oom", "oomkilled", "oom killer",
        "heap", "heap dump", "garbage collection", "gc pause",
        "memory usage", "resident memory", "rss", "memory growth", "memory limit",
    ),
    "database failover / replication": (
        "failover", "failed over", "replication", "replica", "replicas",
        "replication lag", "standby", "split brain", "split-brain", "leader election",
        "promoted", "promotion", "quorum", "primary database", "orchestrator",
        "patroni", "read replica", "replication slot", "wal",
    ),
    "time / clock bug": (
        "leap second", "leap year", "leap day", "clock skew",
        "ntp", "timezone", "daylight saving", "dst", "epoch", "rollover",
        "week number", "clock drift", "system clock", "wall clock", "date arithmetic",
        "y2k", "date calculation",
    ),
    "retry storm / thundering herd": (
        "retry storm", "thundering herd", "retries", "retried", "retry", "backoff",
        "exponential backoff", "jitter", "reconnect storm", "reconnects", "stampede",
        "cache stampede", "herd", "amplified load", "synchronized clients",
    ),
    "rate limit / quota": (
        "rate limit", "rate limited", "rate limiting", "rate limiter", "throttled",
        "throttling", "quota", "quotas", "429", "limit exceeded",
        "api limit", "request limit", "service limit",
    ),
    "ddos / malicious traffic": (
        "ddos", "denial of service", "flood", "syn flood", "udp flood", "botnet",
        "amplification", "reflection attack", "attack traffic", "scrubbing", "volumetric",
        "malicious traffic", "attackers", "request flood",
    ),
    "cache / cdn failure": (
        "cdn", "cache", "cached", "caching", "cache hit", "cache miss", "cache key",
        "purge", "purged", "varnish", "edge cache", "origin", "stale content",
        "cache invalidation", "memcached", "hit ratio",
    ),
    "cloud region / zone outage": (
        "region", "regional", "availability zone", "availability zones", "us-east-1",
        "cloud provider", "datacenter", "data center", "power outage", "power loss",
        "cooling", "zone outage", "multi-az", "single region",
    ),
    "configuration push": (
        "config push", "configuration push", "config change", "configuration change",
        "bad config", "config rollout", "global config", "feature flag", "flag flip",
        "propagated globally", "pushed globally", "waf rule", "config deploy",
        "configuration file", "invalid configuration",
    ),
    "bad deploy / rollback": (
        "rollback", "rolled back", "roll back", "bad deploy", "bad release",
        "faulty release", "regression", "canary", "previous version", "hotfix",
        "revert", "reverted",
    ),
    "data loss / corruption": (
        "data loss", "lost data", "corruption", "corrupted", "corrupt", "deleted",
        "deletion", "restore", "restored from backup", "backup", "backups",
        "drop table", "truncated", "overwritten", "integrity",
    ),
    "third-party dependency": (
        "third party", "third-party", "vendor", "provider outage", "upstream provider",
        "payment provider", "api provider", "saas", "external dependency",
        "partner api", "processor",
    ),
    "connection pool exhaustion": (
        "connection pool", "pool exhausted", "pool exhaustion", "max connections",
        "connection limit", "pgbouncer", "pool size",
        "connection leak", "idle connections",
    ),
    "credential / secret exposure": (
        "leaked credential", "leaked key", "exposed key", "api key", "secret", "secrets",
        "credential", "credentials", "token leaked", "rotate key", "key rotation",
        "access key", "password",
    ),
    "network partition / packet loss": (
        "packet loss", "network partition", "partition", "partitioned", "mtu",
        "fiber cut", "link failure", "switch failure", "router", "network switch",
        "interconnect", "latency spike",
    ),
    "capacity / saturation": (
        "capacity", "saturated", "saturation", "cpu", "overload", "overloaded",
        "autoscaling", "autoscaler", "headroom", "load spike",
        "traffic spike", "peak traffic",
    ),
    "queue backlog / consumer lag": (
        "queue", "backlog", "consumer lag", "kafka", "rabbitmq", "sqs", "dead letter",
        "poison message", "consumer group", "rebalance", "offset", "lag",
    ),
    "schema migration / locking": (
        "migration", "schema change", "alter table", "lock", "locks", "locked",
        "deadlock", "table lock", "long transaction", "index build",
    ),
}


def _analyse(phrase: str) -> str:
    kept = words(phrase)
    return " ".join(kept[:2])


def _triggers() -> dict[str, tuple[str, ...]]:
    """Trigger term -> the modes it signals (a term may signal several)."""
    out: dict[str, list[str]] = {}
    for mode, phrases in FAILURE_MODES.items():
        for phrase in phrases:
            term = _analyse(phrase)
            if term and mode not in out.setdefault(term, []):
                out[term].append(mode)
    return {term: tuple(modes) for term, modes in out.items()}


TRIGGERS = _triggers()
# A mode counts when its triggers weigh at least this much (one mention in a
# field of weight 1; title and root cause weigh more).
MIN_ACTIVATION = 1.0


def concepts_of(term_weights: Mapping[str, float]) -> dict[str, float]:
    """The failure modes a text names, with their activation."""
    out: dict[str, float] = {}
    for term, modes in TRIGGERS.items():
        weight = term_weights.get(term)
        if weight:
            for mode in modes:
                out[mode] = out.get(mode, 0.0) + weight
    return {mode: round(v, 4) for mode, v in out.items() if v >= MIN_ACTIVATION}
