# Independent check of DiscountedCLV over a long horizon, and of
# ExpectedPurchases at a horizon far beyond the calibration period, in
# mpmath at 30 digits with mpmath's own 2F1 on the untransformed
# parameters of Fader, Hardie & Lee (2005, eq. 10). Run:
#
#   python3 clv/testdata/dclv_long.py
#
# Prints E(t) for t = 4000 and 40000 weeks, and the discounted sum
# sum_{i=1..2000} (E(4i) - E(4(i-1))) / 1.001^i (without the margin and
# spend factors) for the CDNOW customer 1 (x = 2, t_x = 30.43, T = 38.86)
# at the published parameters r = 0.243, alpha = 4.414, a = 0.793,
# b = 2.426.
import mpmath as mp

mp.mp.dps = 30
r, al, a, b = mp.mpf("0.243"), mp.mpf("4.414"), mp.mpf("0.793"), mp.mpf("2.426")
x, tx, T = 2, mp.mpf("30.43"), mp.mpf("38.86")

palive = 1 / (1 + (a / (b + x - 1)) * ((al + T) / (al + tx)) ** (r + x))

def E(t):
    if t == 0:
        return mp.mpf(0)
    t = mp.mpf(t)
    h = mp.hyp2f1(r + x, b + x, a + b + x - 1, t / (al + T + t))
    return (a + b + x - 1) / (a - 1) * (1 - ((al + T) / (al + T + t)) ** (r + x) * h) * palive

print("E(4000) =", mp.nstr(E(4000), 20))
print("E(40000) =", mp.nstr(E(40000), 20))
s, prev = mp.mpf(0), mp.mpf(0)
for i in range(1, 2001):
    e = E(4 * i)
    s += (e - prev) / mp.mpf("1.001") ** i
    prev = e
print("sum =", mp.nstr(s, 20))
