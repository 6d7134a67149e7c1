#!/usr/bin/env python3
"""Structure figures of Rust source trees, read as text: no build, no dependencies.

  structure.py lines DIR... [--exclude REGEX] [--per-file]
      Hand-written production lines under each DIR: lines with code on them, so no
      blank lines, no comments (line, block or doc), no `#[cfg(test)]` items and no
      test-only files (a module declared under `#[cfg(test)]`, with everything below
      it, or a file starting with `#![cfg(test)]`). One DIR: prints the number; more:
      one `N DIR` line each, then the total.

  structure.py circles DIR...
      Import circles among the top-level modules of each DIR (its `*.rs` files and
      directories but lib, main and bin). An edge a -> b is a path to module b in
      module a's production code: `crate::b`, `$crate::b`, `use crate::{b, ..}`, or
      `super::b` that climbs to the crate root. Comments, strings and `#[cfg(test)]`
      code are not read. Prints each circle as `DIR: a <-> b`, followed by the edges
      that close it and where each first appears; exit status 1 if there is any.

  structure.py selftest
      Builds small trees in a temporary directory, with and without a circle, and
      checks both answers and an exact line count (so the checks are shown able to
      fail). Exit status 0 when every case gives the expected answer.
"""

import os
import re
import subprocess
import sys
import tempfile

IDENT = re.compile(r"[A-Za-z0-9_]")


# ---------------------------------------------------------------- lexing


def mask(src):
    """`src` with comments blanked and literal contents hidden, offsets unchanged.

    Comments become spaces; inside string and char literals every non-space
    character becomes `x`. Newlines stay everywhere, so line numbers and offsets
    in the result are those of `src`.
    """
    out = list(src)
    n = len(src)
    i = 0

    def blank(a, b, keep):
        for k in range(a, b):
            if src[k] != "\n" and not (keep and src[k].isspace()):
                out[k] = " " if not keep else "x"

    while i < n:
        c = src[i]
        nxt = src[i + 1] if i + 1 < n else ""
        if c == "/" and nxt == "/":
            j = src.find("\n", i)
            j = n if j < 0 else j
            blank(i, j, keep=False)
            i = j
        elif c == "/" and nxt == "*":
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            blank(i, j, keep=False)
            i = j
        elif c == "r" and (i == 0 or not IDENT.match(src[i - 1]) or _raw_prefix(src, i)):
            m = re.compile(r'r(#*)"').match(src, i)
            if not m:
                i += 1
                continue
            close = '"' + m.group(1)
            j = src.find(close, m.end())
            j = n if j < 0 else j
            blank(m.end(), j, keep=True)
            i = j + len(close)
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            blank(i + 1, min(j, n), keep=True)
            i = j + 1
        elif c == "'":
            # A char literal ('a', '\n', '\u{..}', '{'), or a lifetime / label ('a).
            if nxt == "\\":
                j = src.find("'", i + 3)  # past the escaped character
                j = n if j < 0 else j
                blank(i + 1, j, keep=True)
                i = j + 1
            elif i + 2 < n and src[i + 2] == "'" and nxt != "\n":
                blank(i + 1, i + 2, keep=True)
                i += 3
            else:
                i += 1
        else:
            i += 1
    return "".join(out)


def _raw_prefix(src, i):
    """Whether the `r` at `i` ends a `br` / `cr` literal prefix."""
    return (
        i >= 1
        and src[i - 1] in "bc"
        and (i == 1 or not IDENT.match(src[i - 2]))
    )


CFG_TEST = re.compile(r"#\[\s*cfg\s*\(\s*test\s*\)\s*\]")
INNER_ATTR = re.compile(r"\s*#\s*!\s*\[")
ATTR = re.compile(r"\s*#\s*\[")


def _skip_attrs(code, i):
    """The offset after any attributes starting at `i` (whitespace skipped)."""
    while True:
        m = ATTR.match(code, i)
        if not m:
            while i < len(code) and code[i].isspace():
                i += 1
            return i
        i = _match_close(code, m.end() - 1)


def _match_close(code, i):
    """`code[i]` opens a bracket; the offset after the one that closes it."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = [pairs[code[i]]]
    j = i + 1
    while j < len(code) and stack:
        ch = code[j]
        if ch in pairs:
            stack.append(pairs[ch])
        elif ch == stack[-1]:
            stack.pop()
        j += 1
    return j


def _item_end(code, i):
    """The end of the item starting at `i`: its `;`, or its block (and a `;` after it)."""
    j = i
    while j < len(code):
        ch = code[j]
        if ch in "([":
            j = _match_close(code, j)
        elif ch == ";":
            return j + 1
        elif ch == "{":
            j = _match_close(code, j)
            k = j
            while k < len(code) and code[k].isspace():
                k += 1
            return k + 1 if k < len(code) and code[k] == ";" else j
        else:
            j += 1
    return j


def cfg_test_spans(code):
    """(start, end, item start) of each `#[cfg(test)]` item in masked `code`."""
    spans, pos = [], 0
    for m in CFG_TEST.finditer(code):
        if m.start() < pos:
            continue  # inside an item already removed
        item = _skip_attrs(code, m.end())
        end = _item_end(code, item)
        spans.append((m.start(), end, item))
        pos = end
    return spans


def strip_cfg_test(code):
    """Masked `code` with its `#[cfg(test)]` items blanked (newlines kept)."""
    out = list(code)
    for a, b, _ in cfg_test_spans(code):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "
    return "".join(out)


# ---------------------------------------------------------------- files


def rust_files(root):
    for d, dirs, fs in os.walk(root):
        dirs.sort()
        for f in sorted(fs):
            if f.endswith(".rs"):
                yield os.path.normpath(os.path.join(d, f))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def child_dir(path):
    """The directory holding the files of the modules that `path` declares."""
    d, base = os.path.split(path)
    return d if base in ("mod.rs", "lib.rs", "main.rs") else os.path.join(d, base[:-3])


TEST_MOD = re.compile(r"(?:pub\s*(?:\([^)]*\))?\s*)?mod\s+(\w+)\s*[;{]")
PATH_ATTR = re.compile(r'#\s*\[\s*path\s*=\s*"([^"]*)"\s*\]')


def test_only(root):
    """Files that only tests compile: `#![cfg(test)]` files, and every file of a
    module declared under `#[cfg(test)]` (its file, and all below its directory)."""
    files, dirs = set(), []
    for p in rust_files(root):
        src = read(p)
        code = mask(src)
        i = 0
        while m := INNER_ATTR.match(code, i):
            i = _match_close(code, m.end() - 1)
            if re.fullmatch(r"#\s*!\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]", code[m.start() : i].strip()):
                files.add(p)
        for start, _end, item in cfg_test_spans(code):
            m = TEST_MOD.match(code, item)
            if not m:
                continue
            base = child_dir(p)
            files.add(os.path.normpath(os.path.join(base, m.group(1) + ".rs")))
            dirs.append(os.path.normpath(os.path.join(base, m.group(1))))
            attr = PATH_ATTR.search(src[start:item])
            if attr:
                files.add(os.path.normpath(os.path.join(os.path.dirname(p), attr.group(1))))
    for p in rust_files(root):
        if any(p.startswith(d + os.sep) for d in dirs):
            files.add(p)
    return {f for f in files if os.path.isfile(f)}


# ---------------------------------------------------------------- lines


def production_lines(root, exclude=None):
    skip = test_only(root)
    per = {}
    for p in rust_files(root):
        rel = os.path.relpath(p, root)
        if p in skip or (exclude and re.search(exclude, rel)):
            continue
        code = strip_cfg_test(mask(read(p)))
        per[rel] = sum(1 for line in code.splitlines() if line.strip())
    return sum(per.values()), per


# ---------------------------------------------------------------- circles

CRATE_PATH = re.compile(r"(?<![\w$])\$?crate\s*::\s*(\w+|\{)")
SUPER_PATH = re.compile(r"(?<![\w:])((?:super\s*::\s*)+)(\w+|\{)")


def _group_heads(code, open_brace):
    """(first identifier, its offset) of each top-level entry of the `{..}` group
    at `open_brace`."""
    end = _match_close(code, open_brace) - 1
    heads, depth, start = [], 0, open_brace + 1
    for k in range(open_brace + 1, end + 1):
        ch = code[k] if k < end else ","
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif ch == "," and depth == 0:
            m = re.compile(r"\s*(\w+)").match(code, start, k)
            if m:
                heads.append((m.group(1), m.start(1)))
            start = k + 1
    return heads


def top_module(root, path):
    first = os.path.relpath(path, root).split(os.sep)[0]
    return first[:-3] if first.endswith(".rs") else first


def module_depth(root, path):
    """How many `super::` lead from the file's module to the crate root."""
    parts = os.path.relpath(path, root).split(os.sep)
    if parts[-1] in ("mod.rs", "lib.rs", "main.rs"):
        parts = parts[:-1]
    else:
        parts[-1] = parts[-1][:-3]
    return len(parts)


INLINE_MOD = re.compile(r"(?<!\w)mod\s+\w+\s*\{")


def references(root, path, code):
    """(module, line) for each top-level module that production `code` names."""
    out = []
    inline = [(m.end() - 1, _match_close(code, m.end() - 1)) for m in INLINE_MOD.finditer(code)]

    def line(at):
        return code.count("\n", 0, at) + 1

    def add(head, at):
        if head == "{":
            out.extend((h, line(offset)) for h, offset in _group_heads(code, at))
        else:
            out.append((head, line(at)))

    for m in CRATE_PATH.finditer(code):
        add(m.group(1), m.start(1))
    depth = module_depth(root, path)
    for m in SUPER_PATH.finditer(code):
        nested = sum(1 for a, b in inline if a < m.start() < b)
        if m.group(1).count("super") == depth + nested:
            add(m.group(2), m.start(2))
    return out


def import_graph(root):
    """{module: {module it names: (file, line) of the first place it does}}."""
    skip = test_only(root)
    mods = {top_module(root, p) for p in rust_files(root)} - {"lib", "main", "bin"}
    edges = {m: {} for m in mods}
    for p in rust_files(root):
        a = top_module(root, p)
        if p in skip or a not in edges:
            continue
        code = strip_cfg_test(mask(read(p)))
        for b, ln in references(root, p, code):
            if b in mods and b != a and b not in edges[a]:
                edges[a][b] = (os.path.relpath(p, root), ln)
    return edges


def strongly_connected(edges):
    """Components of more than one module (Tarjan), each sorted, in name order."""
    index, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(comps)


def circles(root):
    edges = import_graph(root)
    found = []
    for comp in strongly_connected(edges):
        inside = [
            (a, b, edges[a][b]) for a in comp for b in sorted(edges[a]) if b in comp
        ]
        found.append((comp, inside))
    return found


# ---------------------------------------------------------------- commands


def usage(message=None):
    if message:
        print(f"structure.py: {message}", file=sys.stderr)
    print(__doc__.strip().splitlines()[0], file=sys.stderr)
    print("usage: structure.py lines DIR... [--exclude REGEX] [--per-file]", file=sys.stderr)
    print("       structure.py circles DIR...", file=sys.stderr)
    print("       structure.py selftest", file=sys.stderr)
    return 2


def check_dirs(dirs):
    for d in dirs:
        if not os.path.isdir(d):
            print(f"structure.py: {d}: not a directory", file=sys.stderr)
            return False
    return bool(dirs)


def cmd_lines(args):
    exclude, per_file, dirs = None, False, []
    it = iter(args)
    for a in it:
        if a == "--exclude":
            exclude = next(it, None)
            if exclude is None:
                return usage("--exclude needs a REGEX")
        elif a == "--per-file":
            per_file = True
        else:
            dirs.append(a)
    if not check_dirs(dirs):
        return usage("lines needs at least one directory")
    grand = 0
    for d in dirs:
        total, per = production_lines(d, exclude)
        grand += total
        if per_file:
            for rel, n in sorted(per.items(), key=lambda kv: (-kv[1], kv[0])):
                print(f"{n:6} {os.path.join(d, rel)}")
        if len(dirs) > 1:
            print(f"{total} {d}")
    print(grand if len(dirs) == 1 else f"{grand} total")
    return 0


def cmd_circles(dirs):
    if not check_dirs(dirs):
        return usage("circles needs at least one directory")
    any_found = False
    for d in dirs:
        for comp, inside in circles(d):
            any_found = True
            print(f"{d}: {' <-> '.join(comp)}")
            for a, b, (path, ln) in inside:
                print(f"    {a} -> {b}  ({os.path.join(d, path)}:{ln})")
    return 1 if any_found else 0


# ---------------------------------------------------------------- selftest

SELFTEST_TREE = {
    "lib.rs": """
//! A crate: crate::c in an inner doc comment is not an edge.
mod a;
mod b;
mod c;
mod d;
#[cfg(test)]
mod tests;
""",
    "a.rs": """
use crate::b::Thing;
/// A doc link to [`crate::d`] is not an edge.
pub fn f() -> Thing { Thing }
mod c { pub fn k() {} }
mod local {
    pub fn k() { super::c::k(); } // a's own inline c, not the crate's: no edge
}
""",
    "b.rs": """
use crate::{
    c::{self, Other},
    d,
};
pub struct Thing;
""",
    # With CIRCLE, c closes the circle a -> b -> c -> a through `super::`.
    "c.rs": """
pub struct Other;
const QUOTE: &str = "use crate::a; // not code";
const RAW: &str = r#"crate::a "still a string" "#;
const BRACE: char = '{';
fn lifetime<'a>(x: &'a str) -> &'a str { x }
/* block /* nested */ crate::a */
CIRCLE
#[cfg(test)]
mod inline_tests {
    use crate::a;
    const CLOSE: char = '}';
    fn g() { let _ = super::super::a::f(); }
}
""",
    "d/mod.rs": """
mod inner;
pub fn h() {}
""",
    "d/inner.rs": """
// d's child names the crate's c through two `super`s: d -> c.
use super::super::c::Other;
#[cfg(test)] use crate::a::f;
""",
    "tests.rs": """
use crate::a;
use crate::c;
""",
    "tests/helper.rs": """
use crate::a;
""",
}

# Lines with code in the tree above (CIRCLE replaced by a line of code or by nothing):
#   lib.rs 4 (mod a..d), a.rs 6, b.rs 5, c.rs 5 + CIRCLE, d/mod.rs 2, d/inner.rs 1.
EXPECTED_LINES = 4 + 6 + 5 + 5 + 2 + 1


def write_tree(root, circle):
    for rel, text in SELFTEST_TREE.items():
        if circle:
            text = text.replace("CIRCLE", "pub fn back() { super::a::f(); }")
        else:
            text = text.replace("CIRCLE", "")
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def run_self(*args):
    done = subprocess.run(
        [sys.executable, os.path.abspath(__file__), *args],
        capture_output=True,
        text=True,
    )
    return done.returncode, done.stdout


def cmd_selftest():
    failures = []

    def expect(what, got, want):
        ok = got == want
        print(f"{'ok  ' if ok else 'FAIL'} {what}: {got!r}" + ("" if ok else f", want {want!r}"))
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        with_circle = os.path.join(tmp, "with")
        without = os.path.join(tmp, "without")
        write_tree(with_circle, circle=True)
        write_tree(without, circle=False)

        expect(
            "edges (comments, strings, doc links, cfg(test) code, inline modules ignored)",
            {a: sorted(b) for a, b in import_graph(without).items() if b},
            {"a": ["b"], "b": ["c", "d"], "d": ["c"]},
        )
        status, out = run_self("circles", without)
        expect("exit status without a circle", status, 0)
        expect("output without a circle", out, "")

        expect(
            "one circle a -> b -> c -> a (and b -> d -> c -> a), closed by super::a",
            [comp for comp, _ in circles(with_circle)],
            [["a", "b", "c", "d"]],
        )
        status, out = run_self("circles", with_circle)
        expect("exit status with a circle", status, 1)
        expect(
            "printed circle and its edges",
            out.splitlines(),
            [
                f"{with_circle}: a <-> b <-> c <-> d",
                f"    a -> b  ({os.path.join(with_circle, 'a.rs')}:2)",
                f"    b -> c  ({os.path.join(with_circle, 'b.rs')}:3)",
                f"    b -> d  ({os.path.join(with_circle, 'b.rs')}:4)",
                f"    c -> a  ({os.path.join(with_circle, 'c.rs')}:8)",
                f"    d -> c  ({os.path.join(with_circle, 'd', 'inner.rs')}:3)",
            ],
        )
        status, out = run_self("circles", without, with_circle)
        expect("exit status when one of two trees has a circle", status, 1)

        expect(
            "production lines with the circle line",
            production_lines(with_circle)[0],
            EXPECTED_LINES + 1,
        )
        expect(
            "test-only files",
            sorted(os.path.relpath(p, with_circle) for p in test_only(with_circle)),
            ["tests.rs", os.path.join("tests", "helper.rs")],
        )
        status, out = run_self("lines", with_circle)
        expect("lines command", (status, out.strip()), (0, str(EXPECTED_LINES + 1)))
        status, _ = run_self("circles", os.path.join(tmp, "missing"))
        expect("a missing directory is a usage error", status, 2)

    if failures:
        print(f"selftest: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("selftest: all checks passed")
    return 0


def main(argv):
    if len(argv) < 2:
        return usage()
    cmd, args = argv[1], argv[2:]
    if cmd == "lines":
        return cmd_lines(args)
    if cmd == "circles":
        return cmd_circles(args)
    if cmd == "selftest" and not args:
        return cmd_selftest()
    return usage(f"unknown command {' '.join(argv[1:])!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
