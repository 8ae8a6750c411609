#!/usr/bin/env python3
"""The ctest `layering`: the module graph of src/layers.txt holds for every #include under src/.

Usage: check_layers.py SRC_DIR

Fails, naming file, line and the edge, when
  - a file includes a module that src/layers.txt does not let its module use;
  - a header (.hpp/.h) includes a module that its module may use from its sources only (the
    "| ..." part of its line), since the header would hand that module to every user;
  - a quoted #include names no module ("path/header.hpp" where path is not a module of the table);
  - a folder under src/ is missing from the table, or the table is not in dependency order;
  - a CMakeLists.txt under src/ links a module by hand (target_link_libraries with sealgate_*):
    the links come from the table (cmake/sealgate.cmake, sealgate_link_layer);
  - a file under src/ is longer than 1000 lines (split it by noun).
"""

import os
import re
import sys

MAX_LINES = 1000
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')
HEADER_SUFFIXES = (".hpp", ".h", ".hh", ".hxx", ".ipp", ".inc")


def read_table(path):
    """Returns ({module: (public set, private set)}, [modules in order], [errors])."""
    table, order, errors = {}, [], []
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            m = re.fullmatch(r"([a-z0-9_]+):([^|]*)(?:\|(.*))?", line)
            if not m:
                errors.append(f"{path}:{number}: cannot read the line {line!r}")
                continue
            module = m.group(1)
            public = m.group(2).split()
            private = (m.group(3) or "").split()
            for dep in public + private:
                if dep not in table:
                    errors.append(f"{path}:{number}: {module} uses {dep}, which is not on a "
                                  f"line above it (the table is in dependency order)")
            if module in table:
                errors.append(f"{path}:{number}: {module} is listed twice")
            table[module] = (set(public), set(private))
            order.append(module)
    return table, order, errors


def check(src):
    table_path = os.path.join(src, "layers.txt")
    table, _, errors = read_table(table_path)
    rel = lambda p: os.path.relpath(p, os.path.dirname(os.path.abspath(src)))

    folders = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    for folder in folders:
        if folder not in table:
            errors.append(f"{rel(os.path.join(src, folder))}/: the module {folder} is not in "
                          f"{rel(table_path)}: add a line with the modules it uses")

    files = 0
    edges = 0
    for folder in folders:
        module = folder
        public, private = table.get(module, (set(), set()))
        for root, _, names in os.walk(os.path.join(src, folder)):
            for name in sorted(names):
                path = os.path.join(root, name)
                files += 1
                with open(path, encoding="utf-8", errors="replace") as f:
                    lines = f.readlines()
                if len(lines) > MAX_LINES:
                    errors.append(f"{rel(path)}: {len(lines)} lines, more than {MAX_LINES}: "
                                  f"split it by noun")
                if name == "CMakeLists.txt":
                    errors += check_cmake(rel(path), lines, table)
                    continue
                is_header = name.endswith(HEADER_SUFFIXES)
                for number, text in enumerate(lines, 1):
                    m = INCLUDE.match(text)
                    if not m:
                        continue
                    quoted, target = m.group(1) == '"', m.group(2)
                    head = target.split("/", 1)[0] if "/" in target else None
                    if head is None:
                        # "header.hpp": a file beside this one, or nothing of ours.
                        if quoted and not os.path.exists(os.path.join(root, target)):
                            errors.append(f"{rel(path)}:{number}: #include \"{target}\" names "
                                          f"no module: write \"module/{target}\"")
                        continue
                    if head not in table:
                        if quoted:
                            errors.append(f"{rel(path)}:{number}: #include \"{target}\": {head} "
                                          f"is not a module of {rel(table_path)} (use <...> for a "
                                          f"library's header)")
                        continue
                    if not quoted and not os.path.exists(os.path.join(src, target)):
                        continue  # a system header that shares a module's name, e.g. <net/if.h>
                    if head == module:
                        continue
                    edges += 1
                    if head not in public and head not in private:
                        errors.append(f"{rel(path)}:{number}: forbidden edge {module} -> {head} "
                                      f"(#include \"{target}\"): {rel(table_path)} does not let "
                                      f"{module} use {head}")
                    elif is_header and head not in public:
                        errors.append(f"{rel(path)}:{number}: forbidden edge {module} -> {head} "
                                      f"in a header (#include \"{target}\"): {rel(table_path)} "
                                      f"lets {module} use {head} from its .cpp files only")
    return errors, files, edges


def check_cmake(path, lines, table):
    """Links between modules come from the table; a CMakeLists.txt under src/ names none by hand."""
    errors = []
    text = "".join(lines)
    for m in re.finditer(r"target_link_libraries\s*\(([^)]*)\)", text):
        args = m.group(1).split()[1:]  # what the first argument, the target, links
        linked = [a for a in args if a.startswith("sealgate_") and a[len("sealgate_"):] in table]
        if linked:
            number = text.count("\n", 0, m.start()) + 1
            errors.append(f"{path}:{number}: links {', '.join(linked)} "
                          f"by hand: the links between modules come from src/layers.txt")
    return errors


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    errors, files, edges = check(sys.argv[1])
    for e in errors:
        print(e)
    if errors:
        print(f"layering: {len(errors)} problem(s) in {files} files under src/")
        return 1
    print(f"layering: {files} files, {edges} #include edges between modules, all allowed by "
          f"src/layers.txt; no file over {MAX_LINES} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
