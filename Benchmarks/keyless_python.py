#!/usr/bin/env python3
"""sigstore-python in-process keyless verification timing: Bundle.from_json + Verifier.verify_artifact with
policy.Identity, the trusted root loaded once. Prints `python median_us=<x> min_us=<x> max_us=<x> series=<n>`
(the median over series of each series' median per-iteration time).

Usage: keyless_python.py ROOT BUNDLE ARTIFACT IDENTITY ISSUER [SERIES] [ITERATIONS]
"""
import statistics
import sys
import time

from sigstore.models import Bundle, TrustedRoot
from sigstore.verify import Verifier, policy


def main():
    root, bundle_path, artifact_path, identity, issuer = sys.argv[1:6]
    series = int(sys.argv[6]) if len(sys.argv) > 6 else 5
    iterations = int(sys.argv[7]) if len(sys.argv) > 7 else 300
    verifier = Verifier(trusted_root=TrustedRoot.from_file(root))
    bundle_json = open(bundle_path, "rb").read()
    artifact = open(artifact_path, "rb").read()
    expected = policy.Identity(identity=identity, issuer=issuer)
    for _ in range(20):
        verifier.verify_artifact(artifact, Bundle.from_json(bundle_json), expected)
    medians = []
    for _ in range(series):
        times = []
        for _ in range(iterations):
            start = time.perf_counter()
            verifier.verify_artifact(artifact, Bundle.from_json(bundle_json), expected)
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
    medians.sort()
    print(f"python median_us={statistics.median(medians) * 1e6:.1f} min_us={medians[0] * 1e6:.1f} "
          f"max_us={medians[-1] * 1e6:.1f} series={series} iters={series * iterations}")


if __name__ == "__main__":
    main()
