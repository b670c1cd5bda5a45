#!/usr/bin/env python3
"""Summarises `jfr print --json --stack-depth 1` output (OpenJDK's own decoder) into the
small golden file jfr_test.cc compares Pyrolens's JFR reader against.

Usage: jfr print --json --stack-depth 1 --events LIST FILE | golden.py NAME > NAME.golden
       (a second input, `jfr print --json --events jdk.ActiveSetting FILE`, via --settings)

Lines (sorted, one fact each):
  kind KIND events N count C amount A    per profile kind: events, their count and amount
  top KIND C NAME                        the 10 leaf functions with the largest count
  thread KIND C NAME                     the 3 threads with the largest count
  period EVENT NS                        the sampling period when the recording has one
"""
import json
import re
import sys
from collections import Counter, defaultdict

# Event type -> (kind, amount): amount is a field name, "duration" (nanoseconds),
# "period" (count times the sampling period) or None. "samples" counts several samples.
EVENTS = {
    "jdk.ExecutionSample": ("cpu", "period"),
    "datadog.ExecutionSample": ("cpu", "period"),
    "jdk.NativeMethodSample": ("wall", "period"),
    "profiler.WallClockSample": ("wall", "period"),
    "datadog.MethodSample": ("wall", "period"),
    "jdk.ObjectAllocationInNewTLAB": ("alloc", "tlabSize"),
    "jdk.ObjectAllocationOutsideTLAB": ("alloc", "allocationSize"),
    "jdk.ObjectAllocationSample": ("alloc", "weight"),
    "datadog.ObjectSample": ("alloc", "size"),
    "profiler.LiveObject": ("inuse", "allocationSize"),
    "datadog.HeapLiveObject": ("inuse", "size"),
    "jdk.JavaMonitorEnter": ("lock", "duration"),
    "jdk.ThreadPark": ("block", "duration"),
    "jdk.JavaExceptionThrow": ("exceptions", None),
    "jdk.JavaErrorThrow": ("exceptions", None),
    "datadog.ExceptionSample": ("exceptions", None),
    "profiler.Malloc": ("malloc", "size"),
}


def iso_duration_ns(s):
    """java.time.Duration.toString() ("PT1H2M0.5S", "PT-0.001S") to nanoseconds."""
    m = re.fullmatch(r"PT(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?)(\d+)(?:\.(\d+))?S)?", s)
    if not m:
        raise ValueError("unexpected duration " + s)
    h, mi, sign, sec, frac = m.groups()
    ns = int(h or 0) * 3600 * 10**9 + int(mi or 0) * 60 * 10**9
    sub = int(sec or 0) * 10**9 + int((frac or "").ljust(9, "0")[:9] or 0)
    return ns + (-sub if sign == "-" else sub)


def setting_ns(v):
    m = re.fullmatch(r"(\d+)\s*(ns|us|ms|s|m|min)?", v or "")
    if not m:
        return 0
    mul = {None: 1, "ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9,
           "min": 60 * 10**9}[m.group(2)]
    return int(m.group(1)) * mul


def frame_name(frame):
    method = frame["method"]
    cls = (method.get("type") or {}).get("name") or ""
    cls = cls.replace("/", ".")
    return (cls + "." if cls else "") + (method.get("name") or "")


def thread_name(t):
    if not t:
        return None
    return t.get("javaName") or t.get("osName") or None


def main():
    events = json.load(open(sys.argv[1]))["recording"]["events"]
    settings = json.load(open(sys.argv[2]))["recording"]["events"]
    kinds = defaultdict(lambda: [0, 0, 0])  # events, count, amount
    tops = defaultdict(Counter)
    threads = defaultdict(Counter)
    for e in events:
        kind, amount = EVENTS[e["type"]]
        v = e["values"]
        count = 1
        if e["type"] == "profiler.WallClockSample" and "samples" in v:
            count = v["samples"]
        value = 0
        if amount == "duration":
            value = iso_duration_ns(v["duration"])
        elif amount not in (None, "period"):
            value = v.get(amount) or 0
        k = kinds[kind]
        k[0] += 1
        k[1] += count
        k[2] += value
        st = v.get("stackTrace")
        if st and st.get("frames"):
            tops[kind][frame_name(st["frames"][0])] += count
        t = thread_name(v.get("sampledThread") or v.get("eventThread"))
        if t:
            threads[kind][t] += count
    # Sampling periods: JDK "period" / async-profiler "interval" settings of an event type,
    # kept only when the whole recording agrees on one value.
    periods = defaultdict(set)
    for s in settings:
        v = s["values"]
        if v.get("name") in ("period", "interval"):
            periods[v["id"]].add(setting_ns(v.get("value")))
    print("# jfr print --json --stack-depth 1 (OpenJDK 17), summarised by golden.py")
    out = []
    for kind, (n, count, amount) in kinds.items():
        out.append(f"kind {kind} events {n} count {count} amount {amount}")
        ranked = sorted(tops[kind].items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        out += [f"top {kind} {c} {name}" for name, c in ranked]
        ranked = sorted(threads[kind].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        out += [f"thread {kind} {c} {name}" for name, c in ranked]
    names = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else {}
    for type_id, values in periods.items():
        name = names.get(str(type_id))
        if name in EVENTS and len(values) == 1 and 0 not in values:
            out.append(f"period {name} {values.pop()}")
    print("\n".join(sorted(out)))


if __name__ == "__main__":
    main()
