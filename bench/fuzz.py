"""`make fuzz`: N inputs into every target of bench/fuzz_targets.py, escapes counted.

    python -m bench.fuzz [--inputs N] [--engine auto|atheris|mutation] [TARGET ...]

Engines:
* atheris (the `fuzz` extra): coverage-guided libFuzzer, me_lib instrumented.
  libFuzzer runs one target per process and stops the process at the end, so
  each target runs in a child (`--child`) that counts its inputs and escapes,
  writes them to a small JSON file and leaves with os._exit once N inputs ran.
* mutation: a pure-Python loop (seeded random; byte flips, inserts, deletes,
  truncation, splices of the seed, random bytes), used when atheris is not
  installed; same counts, no coverage guidance.

An escape is an exception other than a MeLibError subclass; the fuzz run keeps
going after one (counting, not stopping), and the first few of each target are
written to build/fuzz/<target>.escapes.txt with the input in hex.

Figures merged into bench/results.json: fuzz_<target>_inputs (goal N),
fuzz_<target>_escapes (goal 0), fuzz_engine.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FINDINGS = ROOT / "build" / "fuzz"
KEEP = 5              # escapes written out per target
MAX_LEN = 512


def _record(name: str, escapes: list[str], data: bytes, exc: BaseException) -> None:
    if len(escapes) >= KEEP:
        return
    text = "".join(traceback.format_exception(exc)[-3:])
    escapes.append("input %s\n%s" % (data.hex(), text))


def _write_findings(name: str, escapes: list[str]) -> None:
    path = FINDINGS / (name + ".escapes.txt")
    if escapes:
        FINDINGS.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(escapes))
    elif path.exists():
        path.unlink()


# --- pure-Python mutation engine ---------------------------------------------


def _mutate(rng: random.Random, seed: bytes, pool: list[bytes]) -> bytes:
    if rng.random() < 0.05:
        return rng.randbytes(rng.randint(0, 64))
    data = bytearray(rng.choice(pool) if pool and rng.random() < 0.3 else seed)
    for _ in range(rng.randint(1, 6)):
        op = rng.randint(0, 5)
        pos = rng.randint(0, len(data)) if data else 0
        if op == 0 and data:
            data[min(pos, len(data) - 1)] = rng.randint(0, 255)
        elif op == 1:
            data.insert(pos, rng.choice((0x00, 0x7F, 0x80, 0xFF, rng.randint(0, 255))))
        elif op == 2 and data:
            del data[min(pos, len(data) - 1)]
        elif op == 3:
            del data[pos:]
        elif op == 4 and data:   # duplicate a slice: nested TLVs, repeated lines
            a = rng.randint(0, len(data) - 1)
            data[pos:pos] = data[a:a + rng.randint(1, 8)]
        elif data:               # flip one bit
            i = min(pos, len(data) - 1)
            data[i] ^= 1 << rng.randint(0, 7)
    return bytes(data[:MAX_LEN])


def run_mutation(name: str, target: Callable[[bytes], None], seed: bytes, n: int,
                 rng_seed: int = 0) -> dict[str, Any]:
    from bench.fuzz_targets import run_one

    rng = random.Random("%s:%d" % (name, rng_seed))
    pool: list[bytes] = []
    escapes: list[str] = []
    count = 0
    for i in range(n):
        data = _mutate(rng, seed, pool)
        exc = run_one(target, data)
        if exc is not None:
            count += 1
            _record(name, escapes, data, exc)
        elif i % 97 == 0 and len(pool) < 64:
            pool.append(data)    # keep some inputs around to mutate further
    return {"inputs": n, "escapes": count, "findings": escapes}


# --- atheris engine (one child process per target) ---------------------------


def _child(name: str, n: int, out: str) -> None:
    """Runs inside the child: libFuzzer on one target until `n` inputs ran."""
    import atheris  # type: ignore[import-not-found]

    with atheris.instrument_imports(include=["me_lib"]):
        from bench import fuzz_targets
    target = fuzz_targets.TARGETS[name]
    state: dict[str, Any] = {"inputs": 0, "escapes": 0, "findings": []}

    def dump() -> None:
        Path(out).write_text(json.dumps(state))

    def one(data: bytes) -> None:
        state["inputs"] += 1
        exc = fuzz_targets.run_one(target, data)
        if exc is not None:
            state["escapes"] += 1
            _record(name, state["findings"], data, exc)
        if state["inputs"] >= n:
            dump()
            os._exit(0)   # libFuzzer would exit() without running Python's atexit

    with tempfile.TemporaryDirectory() as corpus:
        Path(corpus, "seed").write_bytes(fuzz_targets.SEEDS[name])
        atheris.Setup([sys.argv[0], "-max_len=%d" % MAX_LEN, "-seed=1", corpus], one)
        atheris.Fuzz()
    dump()


def run_atheris(name: str, n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "counts.json")
        proc = subprocess.run(
            [sys.executable, "-m", "bench.fuzz", "--child", name, "--inputs", str(n),
             "--out", out], cwd=ROOT, capture_output=True, text=True, check=False)
        if not os.path.exists(out):
            raise RuntimeError("atheris child for %s ended (rc %d) without counts: %s"
                               % (name, proc.returncode, proc.stderr[-2000:]))
        result: dict[str, Any] = json.loads(Path(out).read_text())
        return result


def _have_atheris() -> bool:
    try:
        import atheris  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("targets", nargs="*", help="target names (default: all)")
    p.add_argument("--inputs", type=int,
                   default=int(os.environ.get("FUZZ_INPUTS", "1000000")))
    p.add_argument("--engine", choices=("auto", "atheris", "mutation"), default="auto")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        _child(args.child, args.inputs, args.out)
        return 0

    from bench.fuzz_targets import SEEDS, TARGETS
    from bench.results import figure, merge

    names = args.targets or list(TARGETS)
    unknown = [x for x in names if x not in TARGETS]
    if unknown:
        p.error("unknown target(s) %s; known: %s" % (", ".join(unknown), ", ".join(TARGETS)))
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if _have_atheris() else "mutation"
    figures: dict[str, Any] = {"fuzz_engine": figure(engine, "", None)}
    total = 0
    for name in names:
        t0 = time.monotonic()
        if engine == "atheris":
            res = run_atheris(name, args.inputs)
        else:
            res = run_mutation(name, TARGETS[name], SEEDS[name], args.inputs)
        _write_findings(name, res["findings"])
        total += res["escapes"]
        figures["fuzz_%s_inputs" % name] = figure(res["inputs"], "inputs", args.inputs)
        figures["fuzz_%s_escapes" % name] = figure(res["escapes"], "escapes", 0)
        print("%-24s %9d inputs %6d escapes  %6.1f s  (%s)" % (
            name, res["inputs"], res["escapes"], time.monotonic() - t0, engine), flush=True)
        merge(figures)   # after each target: a long run that is stopped keeps what it did
    print("fuzz: %d escape(s) in %d target(s)%s" % (
        total, len(names), "; see build/fuzz/" if total else ""))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
