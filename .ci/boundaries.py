#!/usr/bin/env python3
"""The boundary rules of the README's Architecture section, checked on the source text.

1. livedrop-core's domain, ports and services import nothing from the wire module (the
   HTTP contract sits at the edge and depends inward, never the reverse).
2. No adapter reads the wall clock: time comes from the `Clock` port, passed in as `now`.
   (Monotonic timers for deadlines and leases are not the wall clock.)
3. No handler calls a port directly: route handlers and auth extractors go through the
   core's services (`state.ports()` is for the background loops and the rate-limit layer).
4. No import circles between the files of one crate.

Run from the repository root: `python3 .ci/boundaries.py`. Exits 1 naming every breach.
"""

import re
import sys
from pathlib import Path

ROOT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
CRATES = ["livedrop-core", "livedrop-adapters", "livedrop-server", "livedrop-client"]

problems = []


def code_of(path):
    """The file's text without comments, line numbers kept. String literals stay: a serde
    attribute's `"crate::module::function"` is a real dependency."""
    text = path.read_text()
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    lines = []
    for line in text.split("\n"):
        lines.append(line.split("//", 1)[0])
    return lines


def rust_files(folder):
    return sorted(p for p in folder.rglob("*.rs") if p.is_file())


def grep(files, pattern, rule):
    regex = re.compile(pattern)
    for path in files:
        for number, line in enumerate(code_of(path), 1):
            if regex.search(line):
                problems.append(f"{rule}: {path.relative_to(ROOT)}:{number}: {line.strip()}")


core = ROOT / "livedrop-core" / "src"
grep(
    [p for part in ("domain", "ports", "services") for p in rust_files(core / part)],
    r"\bwire\b",
    "the core's domain, ports and services must not use the wire types",
)
grep(
    rust_files(ROOT / "livedrop-adapters" / "src"),
    r"\b(Utc::now|Local::now|SystemTime::now|SystemClock|Uuid::now_v7|now_v7\(|OffsetDateTime::now)",
    "adapters take time from the Clock port (a `now` argument), never the wall clock",
)
server = ROOT / "livedrop-server" / "src"
grep(
    rust_files(server / "routes") + rust_files(server / "auth") + rust_files(server / "realtime"),
    r"\.ports\(\)",
    "handlers call services, never ports",
)


def module_file(src, parts):
    """The file defining module `parts` under `src`, or None."""
    base = src.joinpath(*parts) if parts else None
    if not parts:
        for root in ("lib.rs", "main.rs"):
            if (src / root).exists():
                return src / root
        return None
    for candidate in (base.with_suffix(".rs"), base / "mod.rs"):
        if candidate.exists():
            return candidate
    return None


def module_path(src, path):
    rel = path.relative_to(src).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return parts


def imports(src, path, files):
    """The files of the same crate that `path` names (`crate::a::b`, `super::c`, `self::d`)."""
    here = module_path(src, path)
    is_mod_root = path.name in ("mod.rs", "lib.rs", "main.rs")
    found = set()
    text = "\n".join(code_of(path))
    # `use a::{b, c::d}` trees are flattened into one path per leaf.
    for match in re.finditer(r"\b(crate|super|self)((?:::\w+)+)(::\{[^;]*?\})?", text):
        head, tail, group = match.group(1), match.group(2), match.group(3)
        segments = [s for s in tail.split("::") if s]
        if head == "crate":
            start = []
        else:
            start = list(here) if is_mod_root else list(here[:-1]) if here else []
            if head == "super":
                start = start[:-1] if is_mod_root else start
                if is_mod_root and not here:
                    continue
            while segments and segments[0] == "super":
                segments = segments[1:]
                start = start[:-1]
        leaves = [segments]
        if group:
            for item in re.split(r"[,{}]", group):
                item = item.strip()
                if item and re.match(r"^\w+", item):
                    leaves.append(segments + item.split("::")[0:1])
        for leaf in leaves:
            parts = start + leaf
            while parts:
                target = module_file(src, parts)
                if target is not None and target in files:
                    if target != path:
                        found.add(target)
                    break
                parts = parts[:-1]
    return found


def circles(crate):
    src = ROOT / crate / "src"
    files = set(rust_files(src))
    graph = {path: imports(src, path, files) for path in files}
    # Module roots name their children by `mod`: those are ownership, not imports.
    index, low, stack, on_stack, counter = {}, {}, [], set(), [0]
    found = []

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for next_node in graph[node]:
            if next_node not in index:
                visit(next_node)
                low[node] = min(low[node], low[next_node])
            elif next_node in on_stack:
                low[node] = min(low[node], index[next_node])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    sys.setrecursionlimit(10_000)
    for node in sorted(files):
        if node not in index:
            visit(node)
    for component in found:
        names = ", ".join(str(p.relative_to(ROOT)) for p in sorted(component))
        problems.append(f"import circle in {crate}: {names}")


for crate in CRATES:
    circles(crate)

if problems:
    print("\n".join(problems))
    sys.exit(1)
print("boundaries hold: no wire in the core's inner layers, no wall clock in adapters, "
      "no port calls in handlers, no import circles")
