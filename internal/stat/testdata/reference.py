"""Reference values for internal/stat's tests, computed with SciPy.

Run with Debian's system Python (python3-scipy): /usr/bin/python3 reference.py
It prints the Go table rows of TestFisherTwoSided and TestTwoProportion.
"""
import math
import scipy.stats as st

tables = [(3, 10, 7, 12), (0, 5, 5, 5), (1, 20, 9, 20), (12, 100, 25, 110), (60, 200, 30, 200), (5, 5, 5, 5)]
for x1, n1, x2, n2 in tables:
    p = st.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]])[1]
    print(f"{{{x1}, {n1}, {x2}, {n2}, {p!r}}},")

# pooled two-proportion z and its two-sided p-value
for x1, n1, x2, n2 in [(60, 200, 30, 200), (12, 100, 25, 110), (500, 1000, 520, 1000)]:
    p = (x1 + x2) / (n1 + n2)
    z = (x1 / n1 - x2 / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    print(f"{{{x1}, {n1}, {x2}, {n2}, {z!r}, {2 * st.norm.sf(abs(z))!r}}},")

# the z of a 95% and a 90% interval
print(repr(st.norm.ppf(0.975)), repr(st.norm.ppf(0.95)))
