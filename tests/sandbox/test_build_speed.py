"""The build's fast paths give the same numbers as the plain ones (issue 15): the wire output of a market
summary must not depend on which path computed it."""

from __future__ import annotations

import math
import random

from kalshi_nb.sandbox.data import history


def _latent_probs_reference(seed: int, z_final: float, steps: int) -> tuple[float, ...]:
    # The original formulation, with Random.gauss called step by step.
    rng = random.Random(seed ^ 0x1A7E)
    walk = [0.0]
    for _ in range(steps):
        walk.append(walk[-1] + rng.gauss(0.0, 1.0))
    end = z_final * math.sqrt(steps)
    bias = rng.gauss(0.0, history.WINDOW_BIAS_SD)
    out = []
    for j in range(steps):
        w = walk[j] + j / steps * (end - walk[steps])
        fair = min(max(0.5 * math.erfc(-w / math.sqrt(2 * (steps - j))), 1e-4), 1 - 1e-4)
        logit = (
            history.OVERCONFIDENCE * math.log(fair / (1 - fair))
            + bias
            + rng.gauss(0.0, history.STEP_NOISE_SD)
        )
        out.append(min(max(1 / (1 + math.exp(-logit)), 0.01), 0.99))
    return tuple(out)


def test_normals_match_random_gauss_bit_for_bit() -> None:
    for seed in range(50):
        rng = random.Random(seed)
        expected = [rng.gauss(0.0, 1.0) for _ in range(31)]
        assert history._normals(random.Random(seed), 31)[:31] == expected  # whole pairs: 32 values
        assert history._normals(random.Random(seed), 4) == expected[:4]


def test_latent_probs_and_single_step_match_the_reference() -> None:
    r = random.Random(11)
    for _ in range(2000):
        seed, z, steps = r.getrandbits(32), r.gauss(0.0, 2.0), r.choice([1, 2, 15, 16, 60])
        expected = _latent_probs_reference(seed, z, steps)
        assert history.latent_probs.__wrapped__(seed, z, steps) == expected
        assert [history.latent_prob(seed, z, steps, j) for j in range(steps)] == list(expected)


def test_one_off_quotes_equal_cached_quotes() -> None:
    h = history.Hist(12345, "linear_cent", 0, 900, 60, 40, 2, 6.0, 100, 500, 500, 5, latent_z=0.7)
    for ts in range(0, 901, 7):
        assert history.quote_at(h, ts, once=True) == history.quote_at(h, ts)
        assert history.price_of(h, ts, True, once=True) == history.price_of(h, ts, True)
