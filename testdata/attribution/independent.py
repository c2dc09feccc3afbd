#!/usr/bin/env python3
"""Independent computation of Markov removal-effect and Shapley credit.

Used to obtain the expectations of TestIndependentMarkov and
TestIndependentShapley in attribution/independent_test.go. It shares no code
with the Go package and takes other routes:

  * Markov: exact rational arithmetic (fractions.Fraction) and Gauss-Jordan
    elimination on the absorbing chain of order k, each removal solved from
    scratch on the chain where the removed key's states lead to null. The
    success reward is 1 per conversion for conversion credit and the
    revenue for revenue credit.
  * Shapley: the definition as the average marginal contribution over all
    n! orderings of the keys (itertools.permutations), in exact rationals.

Credits are then split by the largest-remainder method on exact rational
quotas (ties to the key that sorts first), in units of 1e-6 for counts and
0.01 for money. Run: python3 independent.py
"""
from fractions import Fraction as F
from itertools import permutations
from math import floor

# Dataset: (path of channels, converted, revenue in cents).
PATHS = [
    (["search", "email", "social"], True, 12000),
    (["search"], False, 0),
    (["social", "search"], True, 4550),
    (["email"], True, 999),
    (["display", "search", "email"], False, 0),
    (["display", "display", "email"], True, 30001),
    (["social"], False, 0),
    (["search", "social", "email", "search"], True, 2500),
    (["email", "display"], False, 0),
    (["display", "social"], True, 7777),
    (["search", "email"], True, 100),
    (["social", "social"], False, 0),
]


def solve(A, b):
    """Solve A x = b exactly by Gauss-Jordan elimination."""
    n = len(A)
    M = [row[:] + [b[i]] for i, row in enumerate(A)]
    for c in range(n):
        p = next(r for r in range(c, n) if M[r][c] != 0)
        M[c], M[p] = M[p], M[c]
        piv = M[c][c]
        M[c] = [x / piv for x in M[c]]
        for r in range(n):
            if r != c and M[r][c] != 0:
                f = M[r][c]
                M[r] = [x - f * y for x, y in zip(M[r], M[c])]
    return [M[i][n] for i in range(n)]


def p_success(paths, order, removed, reward):
    """Expected reward from start in the order-k chain of the paths: the
    probability of success when reward(conv, rev) is 0 or 1, the expected
    revenue per journey when it is the revenue."""
    trans, out, wins = {}, {}, {}
    for path, conv, rev in paths:
        s = ()
        for ch in path:
            t = (s + (ch,))[-order:]
            trans[(s, t)] = trans.get((s, t), 0) + 1
            out[s] = out.get(s, 0) + 1
            s = t
        out[s] = out.get(s, 0) + 1
        wins[s] = wins.get(s, 0) + reward(conv, rev)
    states = sorted(out, key=lambda s: (len(s), s))
    states = [s for s in states if removed is None or removed not in s]
    idx = {s: i for i, s in enumerate(states)}
    n = len(states)
    A = [[F(int(i == j)) for j in range(n)] for i in range(n)]
    b = [F(0)] * n
    for (s, t), c in trans.items():
        if s in idx and t in idx:
            A[idx[s]][idx[t]] -= F(c, out[s])
    for s, c in wins.items():
        if s in idx:
            b[idx[s]] = F(c, out[s])
    return solve(A, b)[idx[()]]


def markov_weights(paths, order, reward):
    keys = sorted({c for p, _, _ in paths for c in p})
    full = p_success(paths, order, None, reward)
    re = {k: (full - p_success(paths, order, k, reward)) / full for k in keys}
    tot = sum(re.values())
    return {k: re[k] / tot for k in keys}


def shapley_weights(paths, value):
    keys = sorted({c for p, _, _ in paths for c in p})
    def v(S):
        return sum(value(conv, rev) for p, conv, rev in paths if set(p) <= S)
    phi = {k: F(0) for k in keys}
    perms = list(permutations(keys))
    for perm in perms:
        S = set()
        for k in perm:
            before = v(S)
            S.add(k)
            phi[k] += v(S) - before
    tot = sum(phi.values())
    return {k: phi[k] / tot for k in keys}


def hamilton(total, weights):
    keys = sorted(weights)
    quota = {k: total * weights[k] for k in keys}
    base = {k: floor(quota[k]) for k in keys}
    left = total - sum(base.values())
    for k in sorted(keys, key=lambda k: (-(quota[k] - base[k]), k))[:left]:
        base[k] += 1
    return base


def show(name, weights, convs, rev):
    c = hamilton(convs * 10**6, weights)
    r = hamilton(rev, weights)
    print(name)
    for k in sorted(weights):
        print(f'  {k}: conversions {c[k] / 10**6:.6f} revenue {r[k] // 100}.{r[k] % 100:02d}')


convs = sum(1 for _, conv, _ in PATHS if conv)
rev = sum(r for _, _, r in PATHS)
for order in (1, 2):
    show(f"markov order {order} conversions", markov_weights(PATHS, order, lambda conv, rev: int(conv)), convs, 0)
    show(f"markov order {order} revenue", markov_weights(PATHS, order, lambda conv, rev: rev), 0, rev)
show("shapley conversions", shapley_weights(PATHS, lambda conv, rev: int(conv)), convs, 0)
show("shapley revenue", shapley_weights(PATHS, lambda conv, rev: rev), 0, rev)
