"""Reading ``GET /metrics`` in tests: one scrape parsed with prometheus-client's own text parser."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

# the sample names a family of each type exposes (the text format's suffixes)
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "gauge": ("",),
    "info": ("_info",),
    "unknown": ("",),
}
MONITORING = ("127.0.0.1", 40000)  # a loopback client: allowed to scrape without a token


@dataclass(frozen=True)
class Scrape:
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]
    families: dict[str, str]  # family name -> type

    def value(self, name: str, **labels: str) -> float:
        """The sample's value; 0 when absent (a labelled counter has no sample before its first event)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def has(self, name: str, **labels: str) -> bool:
        return (name, frozenset(labels.items())) in self.samples

    def sum(self, name: str, **labels: str) -> float:
        """Sum over the samples of ``name`` whose labels include ``labels``."""
        want = set(labels.items())
        return sum(v for (n, ls), v in self.samples.items() if n == name and want <= set(ls))

    def sample_names(self) -> set[str]:
        """Every sample name the exposition declares, whether or not it has a sample yet."""
        return {f"{family}{suffix}" for family, kind in self.families.items() for suffix in SUFFIXES[kind]}


def parse(text: str) -> Scrape:
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    families: dict[str, str] = {}
    for family in text_string_to_metric_families(text):
        families[family.name] = family.type
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return Scrape(samples, families)


def scrape(client: TestClient, **headers: str) -> Scrape:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)
