"""The Grafana dashboard in deploy/ only asks for series a live server's /metrics has."""

from __future__ import annotations

import json
import re

import aiohttp

from tests.helpers import ROOT

SUFFIXES = ("_total", "_bucket", "_sum", "_count")


async def test_every_series_the_dashboard_queries_is_exported(tickwire, connect):
    client = await connect("metered")
    await client.create_room()
    await client.wait_until(lambda mirror: mirror.tick > 2)
    async with aiohttp.ClientSession() as http, http.get(tickwire.url + "/metrics") as answer:
        text = await answer.text()
    # every family is declared, even a labelled one with no sample yet
    exported = {match[0] + suffix for match in re.findall(r"^# TYPE (\S+) (\w+)$", text, re.M)
                for suffix in ("", *SUFFIXES)}
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "tickwire.json").read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    queried = {name for query in queries
               for name in re.findall(r"\b((?:tickwire|process)_[a-z_]+)\b", query)}
    assert len(queried) > 20
    missing = sorted(queried - exported)
    assert not missing, f"not in /metrics: {missing}"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
