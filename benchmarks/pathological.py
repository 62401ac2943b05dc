"""Adversarial Markdown bodies: does conversion stay linear in the body's size, and does it never crash?

    python benchmarks/pathological.py                  # every case, 5, 10, 20 and 40 KB
    python benchmarks/pathological.py star tilde       # only the cases whose names contain these words
    python benchmarks/pathological.py --cap 5 --markup /tmp/markup_orig.py   # another markup.py, e.g. HEAD's
    python benchmarks/pathological.py --sizes 20,40,80,160   # larger bodies show a mild excess sooner

For each case, bodies of about 5, 10, 20 and 40 KB are converted by `Converter.convert` and the
seconds printed with the ratio to the previous size: about 2 is linear, about 4 quadratic. Each
conversion runs in a forked child with a time cap (the converter has no timeout of its own, on
purpose), so a case that is too slow, or that kills its process (a Rust stack overflow in nh3
aborts it), is reported and stops growing instead of hanging or ending the script.

`--depths` probes nesting instead: lists, block quotes, raw HTML and emphasis nested 50 to 100,000
deep, and nh3.clean alone on deeply nested HTML, printing where each is fine, reported, raises or
crashes.
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SIZES = (5_000, 10_000, 20_000, 40_000)


def _repeat(unit: str):
    return lambda size: (unit * (size // len(unit) + 1))[:size]


def _lines(make_line):
    """Numbered lines make_line(i) until the body reaches the size."""
    def generate(size):
        out, total, number = [], 0, 0
        while total < size:
            line = make_line(number)
            out.append(line)
            total, number = total + len(line), number + 1
        return "".join(out)
    return generate


def _nested_list(indent: int, depth: int):
    block = "".join(" " * (indent * level) + f"- item {level}\n" for level in range(depth)) + "\n"
    return _repeat(block)


def _staircase(make_line, depth: int):
    """Lines 1..depth deep (e.g. > on line k repeated k times), again and again until the size."""
    block = "".join(make_line(level) for level in range(1, depth + 1)) + "\n"
    return _repeat(block)


def _table(columns: int):
    def generate(size):
        head = "|" + "a|" * columns + "\n" + "|" + "-|" * columns + "\n"
        row = "|" + "b|" * columns + "\n"
        return head + row * max(1, (size - len(head)) // len(row))
    return generate


CASES = {
    "wiki [[": _repeat("[["),
    "wiki [[a": _repeat("[[a"),
    "wiki [[a]": _repeat("[[a]"),
    "bracket [": _repeat("["),
    "image ![": _repeat("!["),
    "link [a](": _repeat("[a]("),
    "link [a](b": _repeat("[a](b "),
    "link [a](<": _repeat("[a](<"),
    "link [a](b \"": _repeat('[a](b "'),
    "link [](": _repeat("[]("),
    "close ]": _repeat("]"),
    "close ](": _repeat("]("),
    "paren (": _repeat("("),
    "ref [a][": _repeat("[a]["),
    "ref [a][b]": _repeat("[a][b] "),
    "lt <": _repeat("<"),
    "lt <a": _repeat("<a"),
    "lt <a b=": _repeat("<a b="),
    "lt <http": _repeat("<http"),
    "lt <a@b": _repeat("<a@b"),
    "lt </": _repeat("</"),
    "lt <!": _repeat("<!"),
    "lt <?": _repeat("<?"),
    "comment <!--": _repeat("<!--"),
    "comment <!-- lines": _repeat("<!--\n"),
    "cdata <![CDATA[": _repeat("<![CDATA["),
    "star *": _repeat("*"),
    "star * a": _repeat("* a"),
    "star *a": _repeat("*a"),
    "star **a": _repeat("**a"),
    "star ***a": _repeat("***a"),
    "underscore _": _repeat("_"),
    "underscore _a": _repeat("_a"),
    "underscore __a": _repeat("__a"),
    "emphasis *a_": _repeat("*a_"),
    "emphasis **_*": _repeat("**_*"),
    "emphasis *_": _repeat("*_"),
    "emphasis a*": _repeat("a*"),
    "emphasis a**": _repeat("a**"),
    "emphasis *a *": _repeat("*a *"),
    "emphasis nested *a **b": _repeat("*a **b "),
    "emphasis closers a* a**": lambda size: "*" * (size // 4) + "a" + "*" * (size // 4) + _repeat("a* ")(size // 2),
    "backtick `": _repeat("`"),
    "backtick ` a": _repeat("` a"),
    "backtick runs": _lines(lambda i: "`" * (i % 40 + 1) + "a"),
    "backtick runs spaced": _repeat("".join("`" * n + " " for n in range(1, 30))),
    "backtick runs 1..k": _repeat("".join("`" * n + "a" for n in range(1, 60))),
    "tilde ~~": _repeat("~~"),
    "tilde ~": _repeat("~"),
    "tilde ~~a": _repeat("~~a"),
    "tilde ~a": _repeat("~a"),
    "caret ^": _repeat("^"),
    "equals ==": _repeat("=="),
    "backslash \\": _repeat("\\"),
    "backslash \\[": _repeat("\\["),
    "amp &": _repeat("&"),
    "amp &#": _repeat("&#"),
    "amp &#x": _repeat("&#x"),
    "amp &a": _repeat("&a"),
    "at @": _repeat("@"),
    "at a@": _repeat("a@"),
    "at a@b.": _repeat("a@b."),
    "at @a.": _repeat("@a."),
    "at a.": lambda size: "a." * (size // 2) + "@b.c",
    "at long local": lambda size: "a" * size + "@b.c",
    "at long domain": lambda size: "a@" + "b." * (size // 2),
    "url http://": _repeat("http://"),
    "url www.": _repeat("www."),
    "url www.a": _repeat("www.a"),
    "url http://a": _repeat("http://a"),
    "url long": lambda size: "http://" + "a" * size,
    "url long )": lambda size: "http://a/" + ")" * size,
    "url long ;": lambda size: "http://a/" + "&a;" * (size // 3),
    "url long .": lambda size: "http://a/" + "." * size,
    "url long /": lambda size: "http://a" + "/" * size,
    "url host": lambda size: "http://" + "a." * (size // 2),
    "url host -": lambda size: "http://" + "a-" * (size // 2) + "!",
    "url host :": lambda size: "http://" + "a:" * (size // 2),
    "long word": _repeat("a"),
    "long word é": _repeat("é"),
    "spaces": lambda size: "a" + " " * size + "b",
    "tabs": lambda size: "a" + "\t" * size + "b",
    "newlines": _repeat("\n"),
    "lines a": _repeat("a\n"),
    "hard breaks": _repeat("a  \n"),
    "footnote [^": _repeat("[^"),
    "footnote [^a]": _repeat("[^a]"),
    "footnote [^a] defined": lambda size: _repeat("[^a] ")(size) + "\n\n[^a]: note\n",
    "footnote refs many": lambda size: (_lines(lambda i: f"[^{i}] ")(size // 2) + "\n\n"
                                        + _lines(lambda i: f"[^{i}]: n\n")(size // 2)),
    "footnote defs": _lines(lambda i: f"[^{i}]: note\n"),
    "footnote defs same": _repeat("[^a]: note\n"),
    "footnote defs nested": _lines(lambda i: f"[^{i}]: [^{i + 1}]\n"),
    "list indent 2 depth 50": _nested_list(2, 50),
    "list indent 4 depth 50": _nested_list(4, 50),
    "list indent 2 depth 15": _nested_list(2, 15),
    "list indent 4 depth 15": _nested_list(4, 15),
    "list many items": _repeat("- a\n"),
    "list many items ordered": _lines(lambda i: f"{i + 1}. a\n"),
    "list loose": _repeat("- a\n\n"),
    "list lazy": _repeat("- a\nb\n"),
    "list mixed markers": _repeat("- a\n* b\n+ c\n1. d\n"),
    "list item deep blank": lambda size: "- a\n\n" + "    b\n\n" * (size // 7),
    "list item one deep body": lambda size: "- a\n" + "  b\n" * (size // 4),
    "list item bodies": _repeat("- a\n\n  b\n\n  c\n\n"),
    "list nested 1..k staircase": _staircase(lambda k: "  " * k + "- a\n", 40),
    "quote > one line": _repeat(">"),
    "quote > a one line": _repeat("> "),
    "quote > over lines": _staircase(lambda k: ">" * k + " a\n", 60),
    "quote > lines": _repeat("> a\n"),
    "quote >> lines": _repeat(">>>>>>>>>> a\n"),
    "quote list mix": _repeat("> - "),
    "list quote mix": _staircase(lambda k: "  " * k + "- > a\n", 40),
    "code indented": _repeat("    a\n"),
    "code indented blank": _repeat("    a\n\n"),
    "html <div>": _repeat("<div>"),
    "html <div>\\n": _repeat("<div>\n"),
    "html <div></div>": _repeat("<div></div>"),
    "html <div>a": _repeat("<div>a\n\n"),
    "html </div>": _repeat("</div>"),
    "html <span>": _repeat("<span>"),
    "html <span> in text": lambda size: "a " + _repeat("<span>")(size),
    "html <b>": lambda size: "a " + _repeat("<b>")(size),
    "html <b></b>": lambda size: "a " + _repeat("<b>x</b>")(size),
    "html <p>": _repeat("<p>"),
    "html <div a='": _repeat("<div a='"),
    "html <pre>": _repeat("<pre>"),
    "html <script>": _repeat("<script>"),
    "html <table>": _repeat("<table><tr><td>"),
    "html <div><span>": _repeat("<div><span>"),
    "html <div> markdown": _repeat("<div>\n\n*a*\n\n"),
    "table many |": _table(1000),
    "table many rows": _table(3),
    "table cells escaped": lambda size: "|a|b|\n|-|-|\n" + "|" + "\\|" * (size // 2) + "|\n",
    "table backticks": lambda size: "|a|b|\n|-|-|\n" + "|" + "`|" * (size // 2) + "\n",
    "pipes |": _repeat("|"),
    "pipes | with rule": lambda size: "|" * (size // 2) + "\n" + "|-" * (size // 4) + "\n",
    "pipes - |": _repeat("-|"),
    "headings #": _repeat("# h\n"),
    "headings # same text": _repeat("# a\n\n"),
    "headings # distinct": _lines(lambda i: f"# h{i}\n"),
    "headings ###### ": _repeat("####### "),
    "headings # trailing": lambda size: "# a" + " #" * (size // 2),
    "headings setext": _repeat("a\n=\n"),
    "headings setext same": _repeat("a\n-\n\n"),
    "headings # with emphasis": _repeat("# *a* _b_\n"),
    "hr ---": _repeat("---\n"),
    "hr * * *": _repeat("* * * "),
    "refs defs": _lines(lambda i: f"[r{i}]: http://x/{i}\n"),
    "refs defs same": _repeat("[r]: http://x\n"),
    "refs defs and uses": lambda size: (_lines(lambda i: f"[r{i}]: http://x/{i}\n")(size // 2) + "\n\n"
                                        + _lines(lambda i: f"[r{i}] ")(size // 2)),
    "refs uses undefined": _lines(lambda i: f"[r{i}] "),
    "refs uses [a][]": _repeat("[a][] "),
    "task [x]": _repeat("- [x] a\n"),
    "task [ ]": _repeat("- [ ] a\n"),
    "task [x] nested": _staircase(lambda k: "  " * k + "- [x] a\n", 20),
    "fence ``` lines": _repeat("```\n"),
    "fence ~~~ lines": _repeat("~~~\n"),
    "fence ``` one line": _repeat("```"),
    "fence ``` unclosed": lambda size: "```\n" + "a\n" * (size // 2),
    "fence ```a``` lines": _repeat("```a\n"),
    "fence in list": _staircase(lambda k: "  " * k + "- ```\n", 30),
    "fence closed many": _repeat("```\na\n```\n"),
    "fence ```` mixed": _lines(lambda i: "`" * (3 + i % 10) + "\n"),
    "peel code, heading": _repeat("    a\n# h\n"),
    "peel rule, heading": _repeat("---\n# h\n"),
    "peel heading |": _repeat("# h |\n"),
    "peel refs, heading": _lines(lambda i: f"[r{i}]: http://x\n# h\n"),
    "peel footnote, heading": _lines(lambda i: f"[^{i}]: n\n# h\n"),
    "peel quote, heading": _repeat("> a\n# h\n"),
    "peel setext, code": _repeat("a\n-\n    b\n"),
    "peel refs, text": _lines(lambda i: f"[r{i}]: http://x\nfoo\n"),
    "peel footnote, text": _lines(lambda i: f"[^{i}]: n\nfoo\n"),
    "peel rule, text": _repeat("***\nfoo\n"),
    "footnote [^ lines": _repeat("[^\n"),
    "footnote [^ defined lines": lambda size: _repeat("[^a] [^\n")(size) + "\n\n[^a]: note\n",
    "html <b></x>": _repeat("<b></x>"),
    "html <dl><dd>": _repeat("<dl><dd>"),
    "html <b><div>": _repeat("<b><div>"),
    "html <div\\n>": _repeat("<div\n>"),
    "lt <a b='": _repeat("<a b='"),
    "wiki unknown ids": _lines(lambda i: f"[[x{i}]] "),
    "images without alt": _lines(lambda i: f"![](i{i}.png) "),
    "combo [*`": _repeat("[*`"),
    "combo [<": _repeat("[<"),
    "combo [`": _repeat("[`"),
    "combo [!": _repeat("[!["),
    "combo [[`]": _repeat("[[`]"),
    "combo [a](<b>": _repeat("[a](<b>"),
    "combo *[": _repeat("*["),
    "combo _[": _repeat("_["),
    "combo ~~[": _repeat("~~["),
    "combo [a]*": _repeat("[a]*"),
    "combo <*": _repeat("<*"),
    "combo &*": _repeat("&*"),
    "combo \\*": _repeat("\\*"),
    "combo [^*": _repeat("[^*"),
    "combo ` [": _repeat("` ["),
    "combo *<b>": _repeat("*<b>"),
    "combo ![a](": _repeat("![a]("),
    "combo http://[": _repeat("http://["),
    "combo @[": _repeat("a@b.c["),
    "combo ~~*": _repeat("~~*"),
    "combo [[a]] many": _repeat("[[a]] "),
    "combo links many": _repeat("[a](b.md) "),
    "combo images many": _repeat("![a](b.png) "),
    "combo autolinks many": _repeat("<http://a> "),
    "combo html inline many": _repeat("<b>a</b> "),
    "combo urls many": _repeat("http://a.b/c "),
    "combo emails many": _repeat("a@b.cd "),
    "combo emphasis many": _repeat("*a* _b_ **c** "),
    "combo code many": _repeat("`a` "),
    "combo entities many": _repeat("&amp; "),
    "combo html blocks many": _repeat("<div>a</div>\n\n"),
    "combo placeholder-like": _repeat("\x02wzxhzdk:0\x03"),
    "combo stx": _repeat("\x02"),
    "combo etx": _repeat("\x03"),
    "combo nul": _repeat("\x00"),
}


# ---- running one conversion in a forked child, with a cap -------------------------------------


def _converter(markup_path: str | None):
    from incident_archive.model import LinkTable

    if markup_path:
        spec = importlib.util.spec_from_file_location("incident_archive._markup_under_test", markup_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    else:
        from incident_archive import markup as module
    links = LinkTable({"content/incidents/2022/a.md": "a"}, {}, {"a": "A"}, {}, frozenset({"a"}), frozenset())
    return module, module.Converter(links)


def _document():
    from incident_archive.model import Document

    return Document("content/incidents/2022/x.md", 8, "incidents/x", 3)


def _child(connection, converter, text):
    try:
        start = time.perf_counter()
        body, html = converter.convert(_document(), text)
        seconds = time.perf_counter() - start
        first = str(body.problems[0]) if body.problems else ""
        connection.send(("ok", seconds, f"{len(html)} B html; {len(body.problems)} problems {first[:90]}"))
    except BaseException as error:  # noqa: BLE001 — the point is to see it
        connection.send(("raised", 0.0, f"{type(error).__name__}: {str(error)[:80]}"))


def run_capped(function, args, cap: float):
    """(status, seconds, note): status is ok, raised, timeout or crashed (the child died, e.g. SIGABRT)."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=function, args=(child, *args))
    process.start()
    child.close()
    if parent.poll(cap):
        try:
            result = parent.recv()
        except EOFError:
            result = None
    else:
        result = None
    process.join(1 if result else 0.1)
    if process.is_alive():
        process.kill()
        process.join()
        return result or ("timeout", cap, f"over {cap:g} s")
    if result is None:
        return "crashed", 0.0, f"child died with exit code {process.exitcode}"
    return result


def run_cases(names, converter, cap: float, sizes=SIZES) -> None:
    print(f"{'case':34} " + " ".join(f"{size // 1000:>4} KB  ratio" for size in sizes))
    for name in names:
        cells, previous, note = [], None, ""
        for size in sizes:
            status, seconds, note = run_capped(_child, (converter, CASES[name](size)), cap)
            if status != "ok":
                cells.append(f"{status:>13}")
                note = f"{size // 1000} KB: {note}"
                break
            ratio = f"{seconds / previous:5.1f}" if previous else "     "
            cells.append(f"{seconds:7.3f} {ratio}")
            previous = max(seconds, 1e-4)
        print(f"{name:34} " + " ".join(cells) + (f"   {note}" if note and cells[-1].strip()[0].isalpha() else ""),
              flush=True)


# ---- nesting depth ----------------------------------------------------------------------------

DEPTH_CASES = {
    "list indent 2": lambda d: "".join("  " * k + "- a\n" for k in range(d)),
    "list indent 4": lambda d: "".join("    " * k + "- a\n" for k in range(d)),
    "ordered list indent 3": lambda d: "".join("   " * k + "1. a\n" for k in range(d)),
    "quote > one line": lambda d: ">" * d + " a\n",
    "quote > over lines": lambda d: "".join(">" * k + " a\n" for k in range(1, d + 1)),
    "quote > list": lambda d: "> - " * d + "a\n",
    "list > quote": lambda d: "".join("  " * k + "- > a\n" for k in range(d)),
    "html <div>": lambda d: "<div>" * d + "a" + "</div>" * d + "\n",
    "html <div> unclosed": lambda d: "<div>" * d + "a\n",
    "html <div> lines": lambda d: "<div>\n" * d + "a\n" + "</div>\n" * d,
    "html <span> inline": lambda d: "a " + "<span>" * d + "b" + "</span>" * d + "\n",
    "html <span> unclosed": lambda d: "a " + "<span>" * d + "b\n",
    "html <b><i> inline": lambda d: "a " + "<b><i>" * (d // 2) + "b\n",
    "emphasis *_ nested": lambda d: ("".join("*_"[k % 2] + "a " for k in range(d)) + "b"
                                     + "".join(" c" + "*_"[k % 2] for k in reversed(range(d)))),
    "emphasis ** nested": lambda d: "**a " * d + "b" + " c**" * d,
    "emphasis * nested": lambda d: "*a " * d + "b" + " c*" * d,
    "strike ~~ nested": lambda d: "~~a " * d + "b" + " c~~" * d,
    "link in link": lambda d: "[" * d + "a" + "](b)" * d,
    "image in link": lambda d: "[![" * d + "a" + "](b)](c)" * d,
    "footnote chain": lambda d: "[^0]\n\n" + "".join(f"[^{k}]: [^{k + 1}]\n" for k in range(d)),
    "fence in list": lambda d: "".join("  " * k + "- ```\n" for k in range(d)),
}
DEPTHS = (50, 100, 200, 300, 500, 1000, 3000, 10000, 100000)
MAX_TEXT = 20_000_000  # characters: the indented cases grow with the square of the depth


def _size(generate, depth: int) -> int:
    """The text's size at this depth, from two small ones: a line per level costs up to a constant per level."""
    small, double = len(generate(50)), len(generate(100))
    per_level = (double - small) / 50
    grows = per_level > 1.2 * small / 50  # a level's line is longer the deeper it is
    return int(small * (depth / 50) ** 2) if grows else int(per_level * depth)


def _nh3_child(connection, html):
    import nh3

    start = time.perf_counter()
    out = nh3.clean(html)
    connection.send(("ok", time.perf_counter() - start, f"{len(out)} B"))


def run_depths(names, converter, cap: float) -> None:
    print(f"{'nesting':26} " + " ".join(f"{depth:>9}" for depth in DEPTHS))
    for name in names:
        cells, notes = [], []
        for depth in DEPTHS:
            if _size(DEPTH_CASES[name], depth) > MAX_TEXT:
                cells.append(f"{'-':>9}")
                continue
            status, seconds, note = run_capped(_child, (converter, DEPTH_CASES[name](depth)), cap)
            problems = status == "ok" and " 0 problems" not in note
            cells.append(f"{'problem' if status == 'ok' and problems else status:>9}")
            if status != "ok" or problems:
                notes.append(f"{depth}: {note}")
            if status in ("timeout", "crashed"):
                break
        print(f"{name:26} " + " ".join(cells) + ("   " + notes[0][:110] if notes else ""), flush=True)
    for tag in ("div", "span", "b", "blockquote", "ul><li", "table><tr><td", "dl><dd", "b></x", "b><div"):
        cells = []
        for depth in DEPTHS + (300000,):
            status, seconds, note = run_capped(_nh3_child, (f"<{tag}>" * depth,), cap)
            cells.append(f"{status}" + (f" {seconds:.2f}s" if status == "ok" else ""))
        print(f"nh3.clean <{tag}>×N".ljust(27) + " ".join(f"{cell:>9}" for cell in cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("match", nargs="*", help="only the cases whose names contain one of these")
    parser.add_argument("--cap", type=float, default=10.0, help="seconds allowed to one conversion")
    parser.add_argument("--markup", help="a markup.py to measure instead of incident_archive/markup.py")
    parser.add_argument("--depths", action="store_true", help="probe nesting depth instead of size")
    parser.add_argument("--sizes", default=",".join(str(size // 1000) for size in SIZES), help="in KB, e.g. 5,10,20,40")
    args = parser.parse_args()
    module, converter = _converter(args.markup)
    print(f"markup: {module.__file__}; cap {args.cap:g} s per conversion")
    cases = DEPTH_CASES if args.depths else CASES
    names = [name for name in cases if not args.match or any(word in name for word in args.match)]
    if args.depths:
        run_depths(names, converter, args.cap)
    else:
        run_cases(names, converter, args.cap, tuple(int(size) * 1000 for size in args.sizes.split(",")))


if __name__ == "__main__":
    main()
