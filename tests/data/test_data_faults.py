"""Under the sandbox's faults (429s, 5xx, dropped connections, truncated bodies, latency) a pull returns every
row exactly once: a property test over fault settings, compared with a fault-free pull."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_nb.client import RetryPolicy
from kalshi_nb.data import events_df, markets_df

# Generous retries with tiny sleeps: at the rates drawn below (each at most 10%) a request fails all ten
# attempts with a probability under 1e-5, so a failure here is a bug, not bad luck.
PATIENT = RetryPolicy(max_attempts=10, backoff_base=0.001, backoff_max=0.01, total_time=60.0)

faults = st.fixed_dictionaries(
    {
        "rate_limit_rate": st.floats(0, 0.1),
        "error_rate": st.floats(0, 0.1),
        "drop_rate": st.floats(0, 0.1),
        "malformed_rate": st.floats(0, 0.05),
        "latency": st.floats(0, 0.01),
        "jitter": st.floats(0, 0.01),
        "phase": st.sampled_from(["before", "after"]),
        "seed": st.integers(0, 2**32 - 1),
    }
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(settings_=faults, concurrent=st.booleans(), page=st.integers(20, 90))
def test_a_pull_under_faults_returns_every_row_exactly_once(
    sandbox, make_client, settings_, concurrent, page
) -> None:
    client = make_client(retry=PATIENT)
    series = [s["ticker"] for s in sandbox.exchange.series_list()] if concurrent else None
    sandbox.faults.clear()
    clean = markets_df(series, status=None, client=client, limit=page, progress=False)
    clean_events = events_df(status=None, client=client, limit=min(page, 200), progress=False).events
    sandbox.requests.clear()
    sandbox.faults.update(**settings_)
    try:
        faulty = markets_df(series, status=None, client=client, limit=page, progress=False)
        faulty_events = events_df(status=None, client=client, limit=min(page, 200), progress=False).events
    finally:
        sandbox.faults.clear()
    assert faulty["ticker"].tolist() == clean["ticker"].tolist()
    assert faulty["event_ticker"].tolist() == clean["event_ticker"].tolist()
    assert faulty_events["event_ticker"].tolist() == clean_events["event_ticker"].tolist()
    assert max(Counter(faulty["ticker"]).values()) == 1
    sandbox.check()


def test_the_faults_were_really_hit(sandbox, make_client) -> None:
    # The property above is only worth something if its pulls do meet faults: with 10% of each kind, a
    # pull of a dozen pages sees some, and still comes back whole.
    client = make_client(retry=PATIENT)
    sandbox.faults.clear()
    clean = markets_df(status=None, client=client, limit=25, progress=False)
    sandbox.requests.clear()
    sandbox.faults.update(rate_limit_rate=0.1, error_rate=0.1, drop_rate=0.1, seed=7)
    try:
        faulty = markets_df(status=None, client=client, limit=25, progress=False)
    finally:
        sandbox.faults.clear()
    hit = Counter(r.fault for r in sandbox.requests if r.fault)
    assert sum(hit.values()) >= 2, hit
    assert faulty["ticker"].tolist() == clean["ticker"].tolist()
