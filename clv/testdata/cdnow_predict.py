# Independent check of the predictions with intervals (BGNBDFit.
# PredictPurchases, PredictPAlive, PredictCLV, Predict) on CDNOW.
#
# Everything is computed here from the raw log, with NumPy and SciPy and
# none of the library's numbers: the calibration summary (39 weeks to
# 1997-09-30, same-day purchases merged), the maximum-likelihood fits of
# the BG/NBD (Fader, Hardie & Lee 2005, eq. 6) and the Gamma-Gamma (Fader
# & Hardie 2013) by Nelder-Mead then BFGS on the log-parameters, the
# covariance of each fit as the inverse of the negative Hessian of the
# log-likelihood by central differences of function values (step 1e-4
# relative), and the delta method: the gradient of each prediction by
# central differences (step 1e-5 relative, unlike the library's), se =
# sqrt(g' Cov g), the interval exp(ln v +- z se/v) for expected purchases
# and CLV and expit(logit p +- z se/(p(1-p))) for P(alive). Expected
# purchases use SciPy's hyp2f1 on the untransformed formula (eq. 10).
#
# Run from the repository root with a Python that has SciPy (Debian:
# python3-scipy):
#
#   /usr/bin/python3 clv/testdata/cdnow_predict.py > clv/testdata/cdnow_predict.txt
#
# Output: the parameters and standard errors of both fits; then for the
# customers 0001, 0002, 0003, 0018 and 1000 and for the total over all
# customers, lines "id quantity value se lo hi" for purchases (39 weeks),
# p_alive and clv (12 periods of 4 weeks, 1% discount per period, margin
# 1).
import datetime
import math
from collections import defaultdict

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1
from scipy.stats import norm

origin = datetime.date(1997, 1, 1)
cal_end = (datetime.date(1997, 9, 30) - origin).days
days = defaultdict(lambda: defaultdict(int))  # customer -> day -> cents
with open("testdata/cdnow/CDNOW_sample.txt") as f:
    for line in f:
        _, cust, day, _, amount = line.split()
        d = (datetime.date(int(day[:4]), int(day[4:6]), int(day[6:])) - origin).days
        dollars, _, cents = amount.partition(".")
        days[cust][d] += int(dollars) * 100 + int((cents + "00")[:2])

ids, X, TX, TT, ZBAR = [], [], [], [], []
for cust in sorted(days):
    ds = sorted(days[cust])
    d0 = ds[0]
    rep = [d for d in ds[1:] if d <= cal_end]
    ids.append(cust)
    X.append(len(rep))
    TX.append((rep[-1] - d0) / 7 if rep else 0.0)
    TT.append((cal_end - d0) / 7)
    ZBAR.append(sum(days[cust][d] for d in rep) / 100 / len(rep) if rep else 0.0)
X, TX, TT, ZBAR = map(np.array, (X, TX, TT, ZBAR))


def bg_ll(p):
    r, al, a, b = p
    base = gammaln(r + X) - gammaln(r) + r * np.log(al) + betaln(a, b + X) - betaln(a, b)
    l3 = -(r + X) * np.log(al + TT)
    l4 = np.where(X > 0, np.log(a) - np.log(np.maximum(b + X - 1, 1e-300)) - (r + X) * np.log(al + TX), -np.inf)
    return np.sum(base + np.logaddexp(l3, l4))


rep = X > 0
xr, zr = X[rep], ZBAR[rep]


def gg_ll(p):
    pp, q, g = p
    px = pp * xr
    return np.sum(gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + px * np.log(xr)
                  + (px - 1) * np.log(zr) - (px + q) * np.log(g + xr * zr))


def fit(ll, start):
    f = lambda th: -ll(np.exp(th))
    res = minimize(f, np.log(start), method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-12, "maxiter": 40000, "maxfev": 40000})
    res = minimize(f, res.x, method="BFGS", options={"gtol": 1e-9})
    return np.exp(res.x)


def covariance(ll, p):
    k = len(p)
    h = 1e-4 * p
    H = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            def at(si, sj):
                q = p.copy()
                q[i] += si * h[i]
                q[j] += sj * h[j]
                return ll(q)
            H[i, j] = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h[i] * h[j])
    return np.linalg.inv(-H)


bg = fit(bg_ll, np.array([1.0, TT.mean(), 1.0, 1.0]))
gg = fit(gg_ll, np.array([1.0, 2.0, zr.mean()]))
bg_cov, gg_cov = covariance(bg_ll, bg), covariance(gg_ll, gg)
print("bgnbd", " ".join("%.10g" % v for v in bg), "se", " ".join("%.10g" % math.sqrt(bg_cov[i, i]) for i in range(4)))
print("gammagamma", " ".join("%.10g" % v for v in gg), "se", " ".join("%.10g" % math.sqrt(gg_cov[i, i]) for i in range(3)))


def palive(p, x, tx, T):
    r, al, a, b = p
    if x == 0:
        return 1.0
    return 1 / (1 + a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x))


def expected(p, x, tx, T, t):
    r, al, a, b = p
    if t == 0:
        return 0.0
    h = hyp2f1(r + x, b + x, a + b + x - 1, t / (al + T + t))
    return (a + b + x - 1) / (a - 1) * (1 - ((al + T) / (al + T + t)) ** (r + x) * h) * palive(p, x, tx, T)


def clv(p7, x, tx, T, z):
    bgp, (pp, q, g) = p7[:4], p7[4:]
    spend = pp * (g + x * z) / (pp * x + q - 1)
    s, prev = 0.0, 0.0
    for i in range(1, 13):
        e = expected(bgp, x, tx, T, 4.0 * i)
        s += (e - prev) / 1.01 ** i
        prev = e
    return spend * s


def grad(f, p):
    g = np.zeros(len(p))
    for j in range(len(p)):
        h = 1e-5 * p[j]
        up, dn = p.copy(), p.copy()
        up[j] += h
        dn[j] -= h
        g[j] = (f(up) - f(dn)) / (2 * h)
    return g


z = norm.ppf(0.975)
p7 = np.concatenate([bg, gg])
cov7 = np.zeros((7, 7))
cov7[:4, :4], cov7[4:, 4:] = bg_cov, gg_cov


def report(name, what, v, g, cov, logit=False):
    se = math.sqrt(max(g @ cov @ g, 0))
    if se == 0 or v <= 0 or (logit and v >= 1):
        lo = hi = v
    elif logit:
        l, w = math.log(v / (1 - v)), z * se / (v * (1 - v))
        lo, hi = 1 / (1 + math.exp(-(l - w))), 1 / (1 + math.exp(-(l + w)))
    else:
        w = z * se / v
        lo, hi = v * math.exp(-w), v * math.exp(w)
    print("%s %s %.10g %.10g %.10g %.10g" % (name, what, v, se, lo, hi))


tot_e, tot_c = 0.0, 0.0
tot_ge, tot_gc = np.zeros(4), np.zeros(7)
show = {"0001", "0002", "0003", "0018", "1000"}
for i, cust in enumerate(ids):
    x, tx, T, zb = X[i], TX[i], TT[i], ZBAR[i]
    fe = lambda p: expected(p, x, tx, T, 39.0)
    fc = lambda p: clv(p, x, tx, T, zb)
    e, ge = fe(bg), grad(fe, bg)
    c, gc = fc(p7), grad(fc, p7)
    tot_e += e
    tot_c += c
    tot_ge += ge
    tot_gc += gc
    if cust in show:
        report(cust, "purchases", e, ge, bg_cov)
        fa = lambda p: palive(p, x, tx, T)
        report(cust, "p_alive", fa(bg), grad(fa, bg), bg_cov, logit=True)
        report(cust, "clv", c, gc, cov7)
report("total", "purchases", tot_e, tot_ge, bg_cov)
report("total", "clv", tot_c, tot_gc, cov7)
