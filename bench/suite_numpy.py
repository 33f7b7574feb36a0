"""numpy side of the benchmark suite (bench/suite.ts): a worker that loads one size's matrices
from a directory once, then answers one JSON command per stdin line with one JSON line on stdout,
so the suite can alternate numpy runs with its own. Every timing is time.perf_counter() around
the reference call alone (no I/O, no conversion).

    python3 suite_numpy.py DIR REFERENCE_DIR

DIR holds a.npy, b.npy (planted half-match), ac.npy, bc.npy (the same, columns centred: input of
the measures), sa.npy, sb.npy (planted blocks: input of the simple-match decomposition) and
config.json {"eps", "curve", "rbf"}; the suite writes gram_wasm.npy and r_wasm.npy (the WASM
results) before asking for the Gram and QR checks.

Commands: {"op": "info"}; {"op": "check", "what": W} (one run, returns its seconds and result);
{"op": "time", "what": W} (one run, returns its seconds); {"op": "quit"}.
W in gram, qr, maxmatch, curve, simple, m_cca, m_svcca, m_pwcca, m_cka, m_procrustes, m_all.
Threading is whatever the environment says (the suite sets OPENBLAS_NUM_THREADS=1 for the
single-threaded worker and leaves it unset for the default-threading one).
"""
import json
import os
import sys
import time
import warnings

import numpy as np

DIR, REF = sys.argv[1], sys.argv[2]
sys.path.insert(0, REF)
import measures_ref as mr  # noqa: E402
import subspace_match_ref as sm  # noqa: E402

cfg = json.load(open(os.path.join(DIR, "config.json")))
EPS, CURVE, RBF = cfg["eps"], cfg["curve"], cfg["rbf"]


def load(name):
    p = os.path.join(DIR, name)
    return np.load(p) if os.path.exists(p) else None


X, Y = load("a.npy"), load("b.npy")
XC, YC = load("ac.npy"), load("bc.npy")
SA, SB = load("sa.npy"), load("sb.npy")
Z = np.hstack([X, Y]) if X is not None else None  # d x 2n, C order: Z.T @ Z is numpy's syrk case
XF = np.asfortranarray(X) if X is not None else None  # what LAPACK wants, converted once


def sets(m):
    return [m[0].tolist(), m[1].tolist()]


def sign_fixed_r(R):
    s = np.sign(np.diag(R))
    s[s == 0] = 1
    return R * s[:, None]


def normwise(A, B):
    return float(np.max(np.abs(A - B)) / max(np.max(np.abs(A)), np.max(np.abs(B)), 1e-300))


# ---- the operations: each returns a JSON-able result used by the agreement check ----

def op_gram():
    G = Z.T @ Z
    return lambda: {"maxRelDiff": normwise(G, np.load(os.path.join(DIR, "gram_wasm.npy")))}


def op_qr():
    Q, R = np.linalg.qr(XF, mode="reduced")
    return lambda: {"maxRelDiff": normwise(sign_fixed_r(R), np.load(os.path.join(DIR, "r_wasm.npy")))}


def op_maxmatch():
    return sets(sm.max_match(X, Y, EPS))


def op_curve():
    pts = []
    for e in CURVE:
        s = sm.similarity(X, Y, e)
        pts.append([s["idx_x"].tolist(), s["idx_y"].tolist()])
    return {"points": pts, "maxEpsilon": float(sm.max_epsilon(X, Y))}


def op_simple():
    return [[m["x"].tolist(), m["y"].tolist()] for m in sm.simple_matches(SA, SB, EPS, reuse=True)]


def m_cca():
    rho = mr.cca_correlations(XC, YC)
    return {"coefficients": rho.tolist(), "mean": float(np.mean(rho)), "meanSquared": float(np.mean(rho ** 2))}


def m_svcca():
    r = mr.svcca(XC, YC, keep=0.99, return_details=True)
    return {"value": r["svcca"], "dims": [int(r["kx"]), int(r["ky"])]}


def m_pwcca():
    return {"paper": mr.pwcca(XC, YC, variant="paper"), "google": mr.pwcca(XC, YC, variant="google")}


def m_cka():
    out = {"linear": mr.linear_cka(XC, YC), "linearDebiased": mr.linear_cka_debiased(XC, YC)}
    if RBF:
        out["rbf"] = mr.rbf_cka(XC, YC, threshold=0.5)
        out["rbfDebiased"] = mr.rbf_cka_debiased(XC, YC, threshold=0.5)
    return out


def m_procrustes():
    return {
        "angular": mr.angular_procrustes(XC, YC),
        "euclidean": mr.procrustes_euclidean(XC, YC),
        "shapeAlpha0_5": mr.shape_metric(XC, YC, alpha=0.5, score="angular"),
    }


def m_all():
    return {"cca": m_cca(), "svcca": m_svcca(), "pwcca": m_pwcca(), "cka": m_cka(), "procrustes": m_procrustes()}


OPS = {
    "gram": op_gram, "qr": op_qr, "maxmatch": op_maxmatch, "curve": op_curve, "simple": op_simple,
    "m_cca": m_cca, "m_svcca": m_svcca, "m_pwcca": m_pwcca, "m_cka": m_cka, "m_procrustes": m_procrustes, "m_all": m_all,
}


def run(what):
    fn = OPS[what]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        r = fn()
        dt = time.perf_counter() - t
    if callable(r):  # gram / qr: the comparison with the WASM result is not timed
        r = r()
    return dt, r


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        try:
            if cmd["op"] == "quit":
                break
            if cmd["op"] == "info":
                out = {"numpy": np.__version__, "python": sys.version.split()[0],
                       "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS")}
            elif cmd["op"] == "check":
                dt, r = run(cmd["what"])
                out = {"seconds": dt, "result": r}
            elif cmd["op"] == "time":
                dt, _ = run(cmd["what"])
                out = {"seconds": dt}
            else:
                raise ValueError("unknown op " + str(cmd["op"]))
        except Exception as e:  # report, keep serving
            out = {"error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


main()
