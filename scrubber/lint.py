"""Finds rule regexes that can backtrack catastrophically (ReDoS) before they ever run.

The pattern (``regex`` module syntax) is parsed into a small tree, turned into a position
automaton (one state per character-matching item; a transition counts every way the
backtracking engine can take it), and two ambiguity tests run on it:

* **error**, exponential: two different ways to go around the same loop on the same text,
  e.g. ``(a+)+``, ``(\\w+\\s?)*``, ``(?:[a-z]+-?)+`` (nested quantifiers) or ``(\\w|\\d)+``
  (overlapping alternatives). A plain backtracking engine needs hours for a failing
  30-character input; ``regex`` guards some nested repeats, which still leaves about n³ per
  search (seconds on 2 KB), and none of the overlapping alternatives.
* **warning**, polynomial: two unbounded loops, one after the other, that can match the same
  text, e.g. ``\\w+\\w+`` or ``\\d+.\\d+``. Each start offset costs n² (n³ for three loops).
* **warning**: a pattern that could not be analysed (recursion, fuzzy matching, V1 sets).

Bounded repeats are checked as written: a variable part of at most 16 (``{0,4}``,
``{2,10}``) is unrolled, so ambiguity confined to it costs a constant factor and is not
reported, and a polynomial pair is reported only if both loops allow more than 100
repetitions. Larger bounds count as loops. Possessive repeats (``*+``), atomic groups
(``(?>...)``) and positive lookaheads never give back what they matched, so they are
checked on their own and only where something inside them can still fail after the
ambiguous part. Lookarounds, anchors and ``\\b`` are treated as always true, which can add
reports but not hide one; a backreference is one opaque item.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar

import regex

from .errors import Problem
from .packs import Rule, RuleSet

SMALL = 16  # a bounded repeat whose variable part is at most this is unrolled
LARGE = 100  # a polynomial pair is reported only if both loops allow more repeats than this
UNROLL_BUDGET = 1024  # positions an unrolled repeat may create
MAX_STATES = 200_000  # product states explored per pattern before giving up
ZERO_WIDTH = frozenset("bBAZzGKmM")
FLAG_LETTERS = MappingProxyType({
    "a": regex.ASCII, "b": regex.BESTMATCH, "e": regex.ENHANCEMATCH, "f": regex.FULLCASE,
    "i": regex.IGNORECASE, "L": regex.LOCALE, "m": regex.MULTILINE, "p": regex.POSIX,
    "r": regex.REVERSE, "s": regex.DOTALL, "u": regex.UNICODE, "w": regex.WORD,
    "x": regex.VERBOSE})
#: flags that change which characters an item matches
CHAR_FLAGS = (regex.IGNORECASE | regex.FULLCASE | regex.DOTALL | regex.ASCII | regex.WORD
              | regex.VERBOSE | regex.VERSION1)
QUANT_RE = regex.compile(r"\{(\d*)(,?)(\d*)\}")
FUZZY_RE = regex.compile(r"\{\s*(?:\d+\s*<=?\s*)?(?:\d*[eisd]|[eisd]\s*[<=}+:,])")
CLOSE_RE = regex.compile(r"(?:\\.|[^)\\])*\)", regex.DOTALL)  # a comment's rest, escapes too
FLAGS_RE = regex.compile(r"\(\?((?:[abefiLmprsuwx]|V[01])*)(?:-([abefiLmprsuwx]+))?([:)])")
#: characters every character-set overlap test tries, besides the sets' own endpoints
SAMPLE = "".join(map(chr, range(128))) + (
    "\u00a0\u00aa\u00b2\u00b5\u00ba\u00c0\u00df\u00e9\u00ff\u0130\u0131\u017f\u01c5\u0301"
    "\u0391\u03c9\u0416\u0436\u05d0\u0627\u0663\u0966\u1680\u2003\u2009\u200b\u2013\u2014"
    "\u2018\u2019\u201c\u201d\u2026\u2028\u20ac\u212a\u2163\u3000\u3042\u30a2\u4e2d\uac00"
    "\ufb01\uff10\uff21\U0001d400\U0001f600")

T = TypeVar("T", bound=Hashable)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Issue:
    """One ReDoS finding in a pattern: how bad, which check, where (offset) and how to fix."""

    severity: str  # "error" | "warning"
    check: str  # "exponential" | "polynomial" | "unanalysed"
    offset: int
    message: str
    hint: str


@dataclass(frozen=True, slots=True)
class Lint:
    """An ``Issue`` of a rule, located at the rule's ``regex:`` key in its pack."""

    severity: str
    check: str
    problem: Problem

    def __str__(self) -> str:
        return str(self.problem)


# --------------------------------------------------------------------------- pattern tree


@dataclass(frozen=True, slots=True)
class Label:
    """What one position matches: ``src`` compiled alone under ``flags`` (None: opaque)."""

    src: str | None
    flags: int = 0
    points: tuple[int, ...] = ()


OPAQUE = Label(None)


@dataclass(frozen=True, slots=True)
class Atom:
    label: Label
    at: int


@dataclass(frozen=True, slots=True)
class Empty:
    pass


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Alt:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Rep:
    item: Node
    lo: int
    hi: int | None
    start: int
    end: int


Node = Atom | Empty | Seq | Alt | Rep
EMPTY = Empty()


@dataclass(frozen=True, slots=True)
class Region:
    """A part of the pattern checked on its own; ``exempt`` if reaching its end commits."""

    node: Node
    exempt: bool


class _Unanalysable(Exception):
    def __init__(self, at: int, what: str) -> None:
        super().__init__(what)
        self.at = at
        self.what = what


def nullable(node: Node) -> bool:
    """True if ``node`` can match the empty string."""
    if isinstance(node, Atom):
        return False
    if isinstance(node, Seq):
        return all(nullable(i) for i in node.items)
    if isinstance(node, Alt):
        return any(nullable(i) for i in node.items)
    if isinstance(node, Rep):
        return node.lo == 0 or nullable(node.item)
    return True


def _case_points(points: Iterable[int], flags: int) -> tuple[int, ...]:
    out = set(points)
    if flags & regex.IGNORECASE:
        for cp in list(out):
            for v in (chr(cp).lower(), chr(cp).upper()):
                if len(v) == 1:
                    out.add(ord(v))
    return tuple(sorted(out))


def _escape_end(s: str, j: int) -> tuple[int, int | None]:
    """End of the escape starting at ``s[j] == '\\'`` and the code point it stands for."""
    if j + 1 >= len(s):
        raise _Unanalysable(j, "trailing backslash")
    c = s[j + 1]
    if c in "pPNx" and s.startswith("{", j + 2):
        end = s.find("}", j + 2)
        if end < 0:
            raise _Unanalysable(j, "unterminated escape")
        return end + 1, None
    width = {"x": 2, "u": 4, "U": 8}.get(c)
    if width is not None:
        digits = s[j + 2:j + 2 + width]
        ok = len(digits) == width and all(d in "0123456789abcdefABCDEF" for d in digits)
        return j + 2 + width, int(digits, 16) if ok else None
    if c in "pP":
        return j + 3, None
    if c == "0" or regex.match(r"[0-7]{3}", s[j + 1:j + 4]):
        octal = regex.match(r"[0-7]{1,3}", s[j + 1:]).group()  # type: ignore[union-attr]
        return j + 1 + len(octal), int(octal, 8)
    if c.isdigit():
        return j + (3 if s[j + 2:j + 3].isdigit() else 2), None
    return j + 2, None if c.isalnum() else ord(c)


class _Parser:
    """Recursive descent over the ``regex`` dialect; lookaround and atomic bodies go to
    ``regions``, their place in the enclosing pattern to an opaque or empty item."""

    def __init__(self, pattern: str, flags: int) -> None:
        self.s = pattern
        self.i = 0
        self.flags = flags
        self.regions: list[Region] = []

    def parse(self) -> Node:
        node = self.alt()
        if self.i < len(self.s):
            raise _Unanalysable(self.i, "unbalanced ')'")
        return node

    def peek(self, k: int = 1) -> str:
        return self.s[self.i:self.i + k]

    def skip_space(self) -> None:
        while self.flags & regex.VERBOSE and self.i < len(self.s):
            if self.s[self.i].isspace():
                self.i += 1
            elif self.s[self.i] == "#":
                end = self.s.find("\n", self.i)
                self.i = len(self.s) if end < 0 else end + 1
            else:
                return

    def alt(self) -> Node:
        branches = [self.seq()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.seq())
        return branches[0] if len(branches) == 1 else Alt(tuple(branches))

    def seq(self) -> Node:
        items: list[Node] = []
        while True:
            self.skip_space()
            if self.peek() in ("", "|", ")"):
                return items[0] if len(items) == 1 else Seq(tuple(items))
            start = self.i
            items.append(self.quantified(self.atom(), start))

    def quantified(self, node: Node, start: int) -> Node:
        while True:
            self.skip_space()
            bounds = self.quantifier()
            if bounds is None:
                return node
            mode = self.peek()
            if mode in ("?", "+"):
                self.i += 1
            rep = Rep(node, bounds[0], bounds[1], start, self.i)
            node = self.opaque(rep) if mode == "+" else rep

    def quantifier(self) -> tuple[int, int | None] | None:
        c = self.peek()
        if c in ("*", "+", "?"):
            self.i += 1
            return {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
        if c != "{":
            return None
        if FUZZY_RE.match(self.s, self.i):
            raise _Unanalysable(self.i, "fuzzy matching")
        m = QUANT_RE.match(self.s, self.i)
        if m is None or not (m.group(1) or m.group(3)):
            return None  # a literal '{'
        self.i = m.end()
        lo = int(m.group(1) or 0)
        return lo, (lo if not m.group(2) else int(m.group(3)) if m.group(3) else None)

    def opaque(self, node: Node, exempt: bool = True) -> Node:
        """``node`` checked on its own; here, one position that overlaps nothing."""
        self.regions.append(Region(node, exempt))
        atom = Atom(OPAQUE, self.i)
        return Alt((EMPTY, atom)) if nullable(node) else atom

    def atom(self) -> Node:
        c, start = self.s[self.i], self.i
        if c == "(":
            return self.group()
        if c == "[":
            return self.char_class()
        if c == "\\":
            return self.escape()
        self.i += 1
        if c in "^$":
            return EMPTY
        if c == ".":
            return Atom(Label(".", self.flags), start)
        return Atom(Label(regex.escape(c), self.flags, _case_points((ord(c),), self.flags)),
                    start)

    def escape(self) -> Node:
        start = self.i
        end, cp = _escape_end(self.s, start)
        c = self.s[start + 1]
        self.i = end
        if c in ZERO_WIDTH:
            return EMPTY
        if c == "g" or (c.isdigit() and cp is None):
            if c == "g":
                close = self.s.find(">", start)
                self.i = len(self.s) if close < 0 else close + 1
            return Atom(OPAQUE, start)  # a backreference
        if c == "L":
            raise _Unanalysable(start, "named list")
        points = () if cp is None else _case_points((cp,), self.flags)
        return Atom(Label(self.s[start:end], self.flags, points), start)

    def char_class(self) -> Node:
        start, s = self.i, self.s
        j = start + 1 + (s[start + 1:start + 2] == "^")
        j += s[j:j + 1] == "]"
        points: list[int] = []
        while j < len(s) and s[j] != "]":
            if s[j] == "\\":
                j, cp = _escape_end(s, j)
                points.extend(() if cp is None else (cp,))
            elif s.startswith("[:", j) and s.find(":]", j + 2) > 0:
                j = s.find(":]", j + 2) + 2
            elif s[j] == "[" and self.flags & regex.VERSION1:
                raise _Unanalysable(j, "nested set (V1)")
            else:
                points.append(ord(s[j]))
                j += 1
        if j >= len(s):
            raise _Unanalysable(start, "unterminated character class")
        self.i = j + 1
        return Atom(Label(s[start:j + 1], self.flags, _case_points(points, self.flags)), start)

    def group(self) -> Node:
        start = self.i
        if self.s.startswith("(*", start):
            raise _Unanalysable(start, "backtracking control verb")
        if not self.s.startswith("(?", start):
            self.i += 1
            return self.body()
        flags = FLAGS_RE.match(self.s, start)
        if flags is not None:
            return self.flag_group(flags)
        return self.extension(start)

    def body(self) -> Node:
        saved = self.flags
        node = self.alt()
        self.flags = saved
        if self.peek() != ")":
            raise _Unanalysable(self.i, "missing ')'")
        self.i += 1
        return node

    def flag_group(self, m: regex.Match[str]) -> Node:
        on = off = 0
        for letter in regex.findall(r"V[01]|.", m.group(1)):
            on |= {"V0": regex.VERSION0, "V1": regex.VERSION1}.get(letter, 0)
            on |= FLAG_LETTERS.get(letter, 0)
        for letter in m.group(2) or "":
            off |= FLAG_LETTERS.get(letter, 0)
        self.i = m.end()
        if m.group(3) == ")":
            self.flags = (self.flags | on) & ~off  # to the end of the enclosing group
            return EMPTY
        saved = self.flags
        self.flags = (self.flags | on) & ~off
        node = self.body()
        self.flags = saved
        return node

    def extension(self, start: int) -> Node:
        rest = self.s[start + 2:]
        for prefix, kind in ((":", "plain"), ("|", "plain"), (">", "atomic"), ("=", "ahead"),
                             ("!", "not"), ("<=", "behind"), ("<!", "not"), ("#", "comment"),
                             ("P=", "backref"), ("(", "conditional")):
            if rest.startswith(prefix):
                self.i = start + 2 + len(prefix)
                return self.special(kind, start)
        name = regex.match(r"(?:P?<|')(\w+)[>']", rest)
        if name is not None:
            self.i = start + 2 + name.end()
            return self.body()
        raise _Unanalysable(start, "recursion or unknown group")

    def special(self, kind: str, start: int) -> Node:
        if kind in ("comment", "backref"):
            close = CLOSE_RE.match(self.s, self.i)
            self.i = len(self.s) if close is None else close.end()
            return EMPTY if kind == "comment" else Atom(OPAQUE, start)
        if kind == "conditional":
            self.condition(start)
        node = self.body()
        if kind == "plain" or kind == "conditional":
            return node
        if kind == "atomic":
            return self.opaque(node)
        self.regions.append(Region(node, exempt=kind == "ahead"))
        return EMPTY

    def condition(self, start: int) -> None:
        """Skip ``name)`` of ``(?(name)yes|no)``; the branches parse as an alternation."""
        end = self.s.find(")", self.i)
        if end < 0 or self.s.startswith("?", self.i) or "DEFINE" in self.s[self.i:end]:
            raise _Unanalysable(start, "conditional on a lookaround or DEFINE")
        self.i = end + 1


# --------------------------------------------------------------------------- automaton


@functools.lru_cache(maxsize=8192)
def _compiled(src: str, flags: int) -> regex.Pattern[str]:
    try:
        return regex.compile(src, flags & CHAR_FLAGS)
    except regex.error:  # cannot stand alone (e.g. an octal that was a group number): any
        return regex.compile(".", regex.DOTALL)


@functools.lru_cache(maxsize=8192)
def _mask(src: str, flags: int) -> int:
    """Bit i set if ``src`` matches ``SAMPLE[i]``."""
    pattern = _compiled(src, flags)
    return sum(1 << i for i, ch in enumerate(SAMPLE) if pattern.fullmatch(ch))


def overlap(labels: Iterable[Label]) -> bool:
    """True if one character is matched by every label."""
    todo = tuple(labels)
    srcs = [(lab.src, lab.flags) for lab in todo if lab.src is not None]
    if len(srcs) < len(todo):
        return False
    common = -1
    for src, flags in srcs:
        common &= _mask(src, flags)
    if common:
        return True
    extra = {cp for lab in todo for cp in lab.points if chr(cp) not in SAMPLE}
    return any(all(_compiled(src, flags).fullmatch(chr(cp)) for src, flags in srcs)
               for cp in extra)


@dataclass(frozen=True, slots=True)
class Loop:
    """A repeat built as a cycle: its pattern span, upper bound, and positions [first, stop)."""

    start: int
    end: int
    hi: int | None
    first: int
    stop: int


Frag = tuple[int, Counter[int], Counter[int]]  # (ways to match empty, first, last)


def _cap(c: Counter[int]) -> Counter[int]:
    return Counter({k: min(v, 2) for k, v in c.items() if v})


def _times(n: int, c: Counter[int]) -> Counter[int]:
    return Counter({k: v * n for k, v in c.items()})


def _size(node: Node) -> int:
    """Positions ``node`` becomes once its small bounded repeats are unrolled."""
    if isinstance(node, Atom):
        return 1
    if isinstance(node, Seq | Alt):
        return sum(_size(i) for i in node.items)
    if isinstance(node, Rep):
        inner = _size(node.item)
        return inner * node.hi if _unrolls(node, inner) and node.hi else inner
    return 0


def _unrolls(rep: Rep, inner: int) -> bool:
    if rep.hi is None:
        return False
    return rep.hi <= 1 or (rep.hi - rep.lo <= SMALL and inner * rep.hi <= UNROLL_BUDGET)


class Automaton:
    """Positions with labels, and edges counted by how many ways the engine can take them."""

    def __init__(self, node: Node) -> None:
        self.labels: list[Label] = []
        self.edges: dict[int, Counter[int]] = {}
        self.loops: list[Loop] = []
        self._overlaps: dict[tuple[int, ...], bool] = {}
        _, _, last = self.build(node)
        self.accept = frozenset(last)

    def build(self, node: Node) -> Frag:
        if isinstance(node, Atom):
            i = len(self.labels)
            self.labels.append(node.label)
            self.edges[i] = Counter()
            return 0, Counter({i: 1}), Counter({i: 1})
        if isinstance(node, Seq):
            return self.seq(node.items)
        if isinstance(node, Alt):
            frags = [self.build(i) for i in node.items]
            return (min(2, sum(f[0] for f in frags)), _cap(sum((f[1] for f in frags), Counter())),
                    _cap(sum((f[2] for f in frags), Counter())))
        if isinstance(node, Rep):
            return self.repeat(node)
        return 1, Counter(), Counter()

    def seq(self, items: Iterable[Node]) -> Frag:
        null, first, last = 1, Counter[int](), Counter[int]()
        for item in items:
            n2, f2, l2 = self.build(item)
            self.link(last, f2)
            first = _cap(first + _times(null, f2))
            last = _cap(l2 + _times(n2, last))
            null = min(2, null * n2)
        return null, first, last

    def link(self, last: Counter[int], first: Counter[int]) -> None:
        for p, m in last.items():
            for q, k in first.items():
                self.edges[p][q] = min(2, self.edges[p][q] + m * k)

    def repeat(self, rep: Rep) -> Frag:
        if _unrolls(rep, _size(rep.item)):
            assert rep.hi is not None
            tail: Node = EMPTY
            for _ in range(rep.hi - rep.lo):
                tail = Alt((EMPTY, Seq((rep.item, tail))))
            return self.seq((*(rep.item,) * rep.lo, tail))
        begin = len(self.labels)
        null, first, last = self.build(rep.item)
        self.link(last, first)
        self.loops.append(Loop(rep.start, rep.end, rep.hi, begin, len(self.labels)))
        return (min(2, null + 1) if rep.lo == 0 else null), first, last

    def overlap(self, *positions: int) -> bool:
        key = tuple(sorted(set(positions)))
        if key not in self._overlaps:
            self._overlaps[key] = overlap(self.labels[p] for p in key)
        return self._overlaps[key]

    def loop_of(self, comp: Iterable[int]) -> Loop:
        """The innermost repeat whose body holds every position of a cycle (of repeats with
        the same body, as in ``(a+)+``, the outer one)."""
        lo, hi = min(comp), max(comp)
        inside = [lp for lp in self.loops if lp.first <= lo and hi < lp.stop]
        return min(reversed(inside), key=lambda lp: lp.stop - lp.first)


# --------------------------------------------------------------------------- graph search


def sccs(nodes: Iterable[T], succ: Callable[[T], Iterable[T]]) -> list[list[T]]:
    """Strongly connected components (iterative Tarjan)."""
    index: dict[T, int] = {}
    low: dict[T, int] = {}
    stack: list[T] = []
    on: set[T] = set()
    out: list[list[T]] = []
    for root in nodes:
        if root in index:
            continue
        _visit(root, succ, index, low, stack, on, out)
    return out


def _visit(root: T, succ: Callable[[T], Iterable[T]], index: dict[T, int], low: dict[T, int],
           stack: list[T], on: set[T], out: list[list[T]]) -> None:
    def enter(v: T) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)

    enter(root)
    work = [(root, iter(succ(root)))]
    while work:
        v, it = work[-1]
        for w in it:
            if w not in index:
                enter(w)
                work.append((w, iter(succ(w))))
                break
            if w in on:
                low[v] = min(low[v], index[w])
        else:
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(comp)


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_STATES

    def spend(self, n: int = 1) -> None:
        self.left -= n
        if self.left < 0:
            raise _Unanalysable(0, "too large to analyse within the budget")


Pair = tuple[int, int]


def _pair_graph(a: Automaton, comp: frozenset[int], budget: _Budget
                ) -> dict[Pair, list[tuple[Pair, bool]]]:
    """Pairs of positions reachable on the same text from the diagonal, inside ``comp``;
    each edge says whether its two moves differ (different targets, or parallel ways)."""
    graph: dict[Pair, list[tuple[Pair, bool]]] = {}
    todo = [(p, p) for p in comp]
    while todo:
        node = todo.pop()
        if node in graph:
            continue
        budget.spend()
        p, q = node
        out = []
        for p2, m in a.edges[p].items():
            if p2 not in comp:
                continue
            for q2 in a.edges[q]:
                if q2 in comp and a.overlap(p2, q2):
                    out.append(((p2, q2), p != q or p2 != q2 or m > 1))
                    todo.append((p2, q2))
        graph[node] = out
    return graph


def exponential(a: Automaton, comp: frozenset[int], budget: _Budget) -> str | None:
    """'nested' or 'overlap' if two distinct paths go round ``comp`` on the same text."""
    graph = _pair_graph(a, comp, budget)
    for scc in sccs(graph, lambda n: [t for t, _ in graph[n]]):
        inside = set(scc)
        if not any(p == q for p, q in scc):
            continue
        moves = [(n, t) for n in scc for t, differ in graph[n] if differ and t in inside]
        if moves:
            parallel = any(n[0] == n[1] and t[0] == t[1] for n, t in moves)
            return "nested" if parallel else "overlap"
    return None


def polynomial(a: Automaton, p: int, q: int, loops: tuple[frozenset[int], frozenset[int]],
               between: frozenset[int], budget: _Budget) -> bool:
    """True if some text goes p→p, p→q and q→q: two loops in a row that split it freely."""
    c1, c3 = loops
    goal, seen = (p, q, q), {(p, p, q)}
    todo = [(p, p, q)]
    while todo:
        x, y, z = todo.pop()
        budget.spend()
        for x2 in (x2 for x2 in a.edges[x] if x2 in c1):
            for y2 in (y2 for y2 in a.edges[y] if y2 in between and a.overlap(x2, y2)):
                for z2 in (z2 for z2 in a.edges[z] if z2 in c3 and a.overlap(x2, y2, z2)):
                    if (x2, y2, z2) == goal:
                        return True
                    if (x2, y2, z2) not in seen:
                        seen.add((x2, y2, z2))
                        todo.append((x2, y2, z2))
    return False


def _reach(edges: Mapping[int, Iterable[int]], start: int) -> frozenset[int]:
    seen, todo = {start}, [start]
    while todo:
        for n in edges.get(todo.pop(), ()):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return frozenset(seen)


# --------------------------------------------------------------------------- the checks


def _snippet(pattern: str, loop: Loop) -> str:
    text = pattern[loop.start:loop.end]
    return text if len(text) <= 40 else text[:37] + "..."


def _exponential_issue(pattern: str, loop: Loop, how: str) -> Issue:
    if how == "nested":
        return Issue("error", "exponential", loop.start,
                     f"nested quantifier: `{_snippet(pattern, loop)}` can split the same text "
                     "between its iterations in exponentially many ways",
                     "make what ends one iteration unable to start the next, e.g. a "
                     "required separator `(?:\\w+\\s)*` instead of `(?:\\w+\\s?)*`, or "
                     "make the repeat possessive (`*+`, `++`) or atomic `(?>...)`")
    return Issue("error", "exponential", loop.start,
                 f"overlapping alternatives under a quantifier: two ways through "
                 f"`{_snippet(pattern, loop)}` match the same text, so every repetition "
                 "multiplies the backtracking",
                 "make the branches disjoint (one class `[\\w-]` instead of `(?:\\w|-)`, "
                 "drop a branch another one covers), or make the repeat possessive (`*+`)")


def _polynomial_issue(pattern: str, first: Loop, second: Loop) -> Issue:
    one, two = _snippet(pattern, first), _snippet(pattern, second)
    where = f"`{one}` (offset {first.start})"
    if (first.start, first.end) == (second.start, second.end):
        where += " and its copy in the enclosing bounded repeat"
    else:
        where += f" and `{two}` (offset {second.start})"
    return Issue("warning", "polynomial", first.start,
                 f"adjacent overlapping quantifiers: {where} can split the same text "
                 "in n ways, so a failing match costs n² or worse",
                 "bound one side, make the first possessive (`\\w++`), or separate them "
                 "by a character neither can match")


def _cycles(a: Automaton) -> list[frozenset[int]]:
    return [frozenset(c) for c in sccs(range(len(a.labels)), lambda p: a.edges[p])
            if len(c) > 1 or c[0] in a.edges[c[0]]]


def check_region(pattern: str, region: Region, budget: _Budget) -> list[Issue]:
    """Exponential and polynomial ambiguity inside one region of the pattern."""
    a = Automaton(region.node)
    cycles = [c for c in _cycles(a) if not (region.exempt and c <= a.accept)]
    issues, bad = [], set()
    for comp in cycles:
        how = exponential(a, comp, budget)
        if how is not None:
            issues.append(_exponential_issue(pattern, a.loop_of(comp), how))
            bad.add(comp)
    seen: set[tuple[int, int, int, int]] = set()
    for c1 in cycles:
        after = _reach(a.edges, min(c1))
        for c3 in (c for c in cycles if c is not c1 and min(c) in after):
            l1, l3 = a.loop_of(c1), a.loop_of(c3)
            key = (l1.start, l1.end, l3.start, l3.end)
            if c1 in bad or c3 in bad or key in seen or not _unbounded(l1, l3):
                continue
            if _pair_is_polynomial(a, c1, c3, budget):
                seen.add(key)
                issues.append(_polynomial_issue(pattern, l1, l3))
    return issues


def _unbounded(*loops: Loop) -> bool:
    return all(lp.hi is None or lp.hi > LARGE for lp in loops)


def _pair_is_polynomial(a: Automaton, c1: frozenset[int], c3: frozenset[int],
                        budget: _Budget) -> bool:
    back: dict[int, set[int]] = {}
    for p, out in a.edges.items():
        for q in out:
            back.setdefault(q, set()).add(p)
    for q in c3:
        before = _reach(back, q)
        for p in c1:
            between = _reach(a.edges, p) & before
            if polynomial(a, p, q, (c1, c3), between, budget):
                return True
    return False


def lint_pattern(pattern: str, flags: int = 0) -> tuple[Issue, ...]:
    """Every ReDoS issue of ``pattern`` compiled with ``flags`` (``regex`` module flags)."""
    try:
        compiled = regex.compile(pattern, flags)
    except (regex.error, ValueError) as exc:
        return (Issue("warning", "unanalysed", 0, f"regex does not compile: {exc}",
                      "fix the syntax first"),)
    try:
        parser = _Parser(pattern, compiled.flags)
        regions = [Region(parser.parse(), exempt=False), *parser.regions]
        budget = _Budget()
        return tuple(i for r in regions for i in check_region(pattern, r, budget))
    except _Unanalysable as exc:
        return (Issue("warning", "unanalysed", exc.at,
                      f"ReDoS lint could not analyse the regex ({exc.what} at offset "
                      f"{exc.at})", "keep to the syntax of the built-in packs, or rely on "
                      "the timed smoke test alone"),)
    except RecursionError:
        return (Issue("warning", "unanalysed", 0, "ReDoS lint could not analyse the regex "
                      "(nested too deeply)", "flatten the groups"),)


def lint_rule(rule: Rule) -> tuple[Lint, ...]:
    """The issues of ``rule``'s regex as problems at its ``regex:`` key."""
    pos = rule.spec.pos("regex")
    return tuple(
        Lint(i.severity, i.check,
             Problem(rule.spec.path, pos.line, pos.col,
                     f"ReDoS {i.severity}: {i.message} (regex offset {i.offset})",
                     rule.id, i.hint))
        for i in lint_pattern(rule.pattern.pattern, rule.pattern.flags))


def lint(ruleset: RuleSet, only: Iterable[str] | None = None) -> list[Lint]:
    """Lint every rule of ``ruleset`` (or those whose id is in ``only``)."""
    wanted = None if only is None else frozenset(only)
    return [x for r in ruleset if wanted is None or r.id in wanted for x in lint_rule(r)]

