#!/usr/bin/env python3
"""The shape of tenantd's C code, as a reviewer checks it: the files in each
folder, the functions longer than a reader can take in without scrolling,
and the cycles between modules.

A module is a file's path without its extension (agent/api/events.c and
.h are one), and the parts of a module named after its header (the
common/config_*.c that implement common/config.h) are that module too. Module A depends on B when one of A's files includes one of
B's, or when A's header declares a function that B defines. A cycle is a
set of modules that depend on each other, found as a strongly connected
component of that graph.

  scripts/code-shape.py              everything
  scripts/code-shape.py --functions  functions over --longer-than lines
  scripts/code-shape.py --cycles     the cycles, one a line
Exit status 1 when there is a cycle or a function over the limit.
"""
import argparse
import os
import re
import sys

ROOTS = ("agent", "bpf", "common", "include", "tenantctl")
# Where #include "..." is looked for after the including file's own folder:
# the compilers' -I flags.
INCLUDE_PATH = ("include", "common", "agent", "bpf")
TREE = "."
SOURCE = re.compile(r".*\.(c|h)$")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
# A prototype at file scope: "type name(arguments);" on one or more lines.
PROTOTYPE = re.compile(r"^[A-Za-z_][\w\s\*]*?\b(\w+)\s*\([^;{]*\)\s*(__attribute__.*)?;", re.S)


def source_files(tree):
    for root in ROOTS:
        for folder, _, names in os.walk(os.path.join(tree, root)):
            for name in sorted(names):
                if SOURCE.match(name):
                    yield os.path.relpath(os.path.join(folder, name), tree)


def module_of(path):
    """PATH without its extension; a part (P_part.c, P_internal.h) of a
    module whose header P.h stands beside it is that module."""
    stem = re.sub(r"\.(c|h)$", "", path)
    folder, name = os.path.split(stem)
    parts = name.split("_")
    for length in range(len(parts) - 1, 0, -1):
        prefix = "_".join(parts[:length])
        if os.path.exists(os.path.join(TREE, folder, prefix + ".h")):
            return os.path.join(folder, prefix)
    return stem


def functions(text):
    """(name, first line, line count) of each function defined in TEXT, in
    the kernel's style: the body's braces alone at the start of a line."""
    lines = text.split("\n")
    found = []
    for number, line in enumerate(lines):
        if line != "{":
            continue
        start = number - 1
        while start > 0 and lines[start - 1].strip() and not re.match(
                r"^(#|/\*|\s*\*|}|.*;\s*$|.*\*/\s*$)", lines[start - 1]):
            start -= 1
        signature = " ".join(lines[start:number])
        match = re.search(r"(\w+)\s*\(", signature)
        end = next((i for i in range(number + 1, len(lines)) if lines[i].startswith("}")),
                   len(lines) - 1)
        if match and "=" not in signature.split("(")[0]:
            found.append((match.group(1), start + 1, end - start + 1))
    return found


def resolve(tree, including, name):
    for folder in (os.path.dirname(including),) + INCLUDE_PATH:
        candidate = os.path.normpath(os.path.join(folder, name))
        if os.path.exists(os.path.join(tree, candidate)):
            return candidate
    return None


def dependencies(tree, files):
    texts = {path: open(os.path.join(tree, path), encoding="utf-8").read() for path in files}
    defined = {}
    for path, text in texts.items():
        if path.endswith(".c"):
            for name, _, _ in functions(text):
                defined.setdefault(name, module_of(path))
    graph = {module_of(path): set() for path in files}
    for path, text in texts.items():
        module = module_of(path)
        for line in text.split("\n"):
            match = INCLUDE.match(line)
            target = match and resolve(tree, path, match.group(1))
            if target and module_of(target) != module:
                graph[module].add(module_of(target))
        if path.endswith(".h"):
            for statement in re.split(r"(?<=;)\n", text):
                match = PROTOTYPE.match(statement.strip())
                owner = match and defined.get(match.group(1))
                if owner and owner != module:
                    graph[module].add(owner)
    return graph


def cycles(graph):
    """Tarjan's strongly connected components with more than one module."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", default=os.path.join(os.path.dirname(__file__), ".."))
    parser.add_argument("--functions", action="store_true")
    parser.add_argument("--cycles", action="store_true")
    parser.add_argument("--longer-than", type=int, default=80)
    arguments = parser.parse_args()
    global TREE
    TREE = arguments.tree
    everything = not (arguments.functions or arguments.cycles)
    files = list(source_files(arguments.tree))

    if everything:
        folders = {}
        for path in files:
            lines = open(os.path.join(arguments.tree, path), encoding="utf-8").read().count("\n")
            folders.setdefault(os.path.dirname(path), []).append((os.path.basename(path), lines))
        for folder in sorted(folders):
            entries = folders[folder]
            print(f"{folder}/: {len(entries)} files, {sum(n for _, n in entries)} lines")
            print("  " + " ".join(f"{name}({n})" for name, n in sorted(entries)))
    long_ones = []
    if everything or arguments.functions:
        for path in files:
            text = open(os.path.join(arguments.tree, path), encoding="utf-8").read()
            for name, line, count in functions(text):
                if count > arguments.longer_than:
                    long_ones.append((count, f"{path}:{line}", name))
        print(f"functions over {arguments.longer_than} lines: {len(long_ones)}")
        for count, place, name in sorted(long_ones, reverse=True):
            print(f"  {count:4d}  {name}  {place}")
    found = []
    if everything or arguments.cycles:
        found = cycles(dependencies(arguments.tree, files))
        print(f"cycles between modules: {len(found)}")
        for component in found:
            print("  " + " <-> ".join(component))
    return 1 if found or long_ones else 0


if __name__ == "__main__":
    sys.exit(main())
