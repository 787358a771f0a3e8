"""Task-runner targets: the named commands a team runs by hand and from CI.

npm/Composer scripts, Make targets, just recipes, Taskfile tasks, tox and nox
environments, Poetry/Hatch/PDM scripts, Rake tasks, invoke tasks and mise tasks.
Every source is read statically: ``noxfile.py``, ``tasks.py`` and Rakefiles are
scanned with regular expressions and never imported or executed.

This module collects; it never judges. A source that cannot be parsed is listed
under :attr:`TaskFacts.rejected` with a one-line reason.
"""

from __future__ import annotations

import configparser
import fnmatch
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from auditor import yamlsafe
from auditor.facts.catalog import glob_regex
from auditor.facts.manifests import (
    DocumentRejected,
    Locator,
    Needle,
    describe_type,
    ini_problem,
    is_vendored,
    json_key,
    literal,
    parse_json_object,
    parse_toml,
    ruby_blocks,
    skip_blanks,
    toml_key,
)
from auditor.facts.tree import FileTree

RUNNERS = (
    "npm-scripts",
    "make",
    "just",
    "task",
    "tox",
    "nox",
    "poetry-scripts",
    "composer-scripts",
    "rake",
    "invoke",
    "hatch",
    "pdm",
    "mise",
)
MAX_COMMAND = 300
MAX_TASKS_PER_FILE = 2000
MAX_WORKSPACE_PACKAGES = 500


@dataclass(frozen=True)
class Task:
    """One named task of one runner."""

    runner: str  # one of RUNNERS
    name: str  # as typed on the command line (``npm run <name>``, ``make <name>``)
    command: str  # what it runs (first 300 characters); "" when not statically known
    path: str
    line: int | None


@dataclass(frozen=True)
class TaskFacts:
    """Every task-runner target at the audited revision."""

    #: Root sources first, then by path and runner; each file's tasks in file order.
    tasks: tuple[Task, ...]
    rejected: tuple[tuple[str, str], ...]

    def named(self, *patterns: str) -> list[Task]:
        """Tasks whose name matches any shell pattern (``test*``), ignoring case."""
        pats = [p.lower() for p in patterns]
        return [t for t in self.tasks if any(fnmatch.fnmatchcase(t.name.lower(), p) for p in pats)]

    def runs(self, regex: str) -> list[Task]:
        """Tasks whose command matches ``regex`` (searched, ignoring case)."""
        rx = re.compile(regex, re.IGNORECASE)
        return [t for t in self.tasks if rx.search(t.command)]


# -- collection ----------------------------------------------------------------------


@dataclass
class _Collector:
    tree: FileTree
    tasks: list[Task] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    _per_file: dict[str, int] = field(default_factory=dict)

    def add(
        self, runner: str, name: object, command: str | Iterable[str], path: str, line: int | None
    ) -> None:
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            return
        count = self._per_file.get(path, 0)
        if count == MAX_TASKS_PER_FILE:
            self.reject(path, f"more than {MAX_TASKS_PER_FILE} tasks; the rest were not read")
        self._per_file[path] = count + 1
        if count >= MAX_TASKS_PER_FILE:
            return
        self.tasks.append(Task(runner, name.strip(), _command(command), path, line))

    def reject(self, path: str, reason: str) -> None:
        self.rejected.append((path, reason))

    def read(self, path: str | None) -> str | None:
        """The file's text; a file that exists but cannot be read is recorded as rejected."""
        if path is None or not self.tree.exists(path):
            return None
        text = self.tree.read_text(path)
        if text is None:
            self.reject(path, f"not read: {self.tree.unread.get(path, 'unreadable')}")
        return text

    def json(self, path: str, text: str) -> dict | None:
        try:
            return parse_json_object(text)
        except DocumentRejected as exc:
            self.reject(path, str(exc))
            return None

    def toml(self, path: str, text: str) -> dict | None:
        try:
            return parse_toml(text)
        except DocumentRejected as exc:
            self.reject(path, str(exc))
            return None

    def table(self, path: str, value: object, where: str) -> dict | None:
        if value is None or isinstance(value, dict):
            return value
        self.reject(path, f"{where} is {describe_type(value)}, expected a table")
        return None


def _command(command: str | Iterable[str]) -> str:
    """One line: the command's lines joined with ``; ``, cut to MAX_COMMAND characters."""
    parts = [command] if isinstance(command, str) else [c for c in command if isinstance(c, str)]
    lines = [ln.strip() for part in parts for ln in part.splitlines()]
    text = "; ".join(ln for ln in lines if ln)
    return text[:MAX_COMMAND]


def _root(tree: FileTree, *names: str) -> list[str]:
    """The names that exist at the tree's root, spelled exactly, in the order given."""
    return [n for n in names if tree.exists(n)]


def collect_tasks(tree: FileTree) -> TaskFacts:
    """Read every task source in ``tree``; never raises on repository content."""
    c = _Collector(tree)
    for reader in (
        _read_npm_scripts,
        _read_makefiles,
        _read_justfiles,
        _read_taskfile,
        _read_tox,
        _read_noxfile,
        _read_pyproject_scripts,
        _read_composer_scripts,
        _read_rakefiles,
        _read_invoke,
        _read_mise,
    ):
        try:
            reader(c)
        except Exception as exc:  # noqa: BLE001 - one broken source must not hide the others
            c.reject(
                f"({reader.__name__.removeprefix('_read_')})",
                f"could not be read ({type(exc).__name__}: {str(exc)[:120]})",
            )
    # Stable sort: each file's tasks keep the order they were found in (file order).
    tasks = sorted(c.tasks, key=lambda t: (t.path.count("/"), t.path, t.runner))
    return TaskFacts(tuple(tasks), tuple(sorted(set(c.rejected))))


# -- npm -------------------------------------------------------------------------------


def _workspace_patterns(c: _Collector, root: dict | None) -> list[str]:
    patterns: list[object] = []
    if root is not None:
        ws = root.get("workspaces")
        if isinstance(ws, dict):  # Yarn 1's {"packages": [...], "nohoist": [...]}
            ws = ws.get("packages")
        if isinstance(ws, list):
            patterns += ws
    pnpm = c.read("pnpm-workspace.yaml")
    if pnpm is not None:
        try:
            doc = yamlsafe.load(pnpm)
        except yamlsafe.YamlRejected as exc:
            c.reject("pnpm-workspace.yaml", str(exc))
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("packages"), list):
            patterns += doc["packages"]
    return [p for p in patterns if isinstance(p, str)]


def _workspace_members(c: _Collector, patterns: list[str]) -> list[str]:
    include, exclude = [], []
    for raw in patterns:
        negated = raw.startswith("!")
        p = raw.removeprefix("!").strip().removeprefix("./").rstrip("/")
        if not p or p.startswith("/") or ".." in p.split("/"):
            continue
        (exclude if negated else include).append(re.compile(glob_regex(p) + r"\Z"))
    members = []
    for path in c.tree.paths:
        if not path.endswith("/package.json") or is_vendored(path):
            continue
        directory = path[: -len("/package.json")]
        if any(rx.match(directory) for rx in include) and not any(
            rx.match(directory) for rx in exclude
        ):
            members.append(path)
    return members[:MAX_WORKSPACE_PACKAGES]


def _npm_scripts(c: _Collector, path: str, text: str, data: dict) -> None:
    scripts = data.get("scripts")
    if scripts is None:
        return
    if not isinstance(scripts, dict):
        c.reject(path, f"scripts is {describe_type(scripts)}, expected an object")
        return
    loc = Locator(text)
    loc.section(json_key("scripts"))
    for name, command in scripts.items():
        c.add(
            "npm-scripts",
            name,
            command if isinstance(command, str) else "",
            path,
            loc.find(json_key(name)),
        )


def _read_npm_scripts(c: _Collector) -> None:
    root_text = c.read("package.json")
    root = c.json("package.json", root_text) if root_text is not None else None
    if root is not None:
        _npm_scripts(c, "package.json", root_text, root)
    for path in _workspace_members(c, _workspace_patterns(c, root)):
        text = c.read(path)
        data = c.json(path, text) if text is not None else None
        if data is not None:
            _npm_scripts(c, path, text, data)


# -- make ------------------------------------------------------------------------------

_MAKE_RULE = re.compile(r"^([A-Za-z0-9_.\-/]+(?:[ \t]+[A-Za-z0-9_.\-/]+)*)[ \t]*:(?!:?=)(.*)$")
_TARGET_VARIABLE = re.compile(
    r"^:?\s*(?:(?:export|override|private)\s+)*[A-Za-z_][A-Za-z0-9_]*\s*(?:[:+?!]|::)?="
)


def _read_makefiles(c: _Collector) -> None:
    paths = _root(c.tree, "GNUmakefile", "makefile", "Makefile")
    paths += [p for p in c.tree.paths if "/" not in p and p.endswith(".mk")]
    for path in paths:
        text = c.read(path)
        if text is not None:
            _makefile_targets(c, path, text)


def _makefile_targets(c: _Collector, path: str, text: str) -> None:
    lines = text.split("\n")
    targets: dict[str, list] = {}  # name -> [line, command]; the first definition wins
    in_define = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if in_define:
            in_define = not stripped.startswith("endef")
            continue
        if re.match(r"(?:override\s+|export\s+)?define\b", stripped) and not line.startswith("\t"):
            in_define = True
            continue
        m = _MAKE_RULE.match(line)
        if not m or _TARGET_VARIABLE.match(m.group(2)):
            continue
        rest = m.group(2)
        # `target: prereqs ; command` puts the first recipe line on the rule line.
        command = rest.split(";", 1)[1].strip() if ";" in rest else _first_recipe_line(lines, i + 1)
        for name in m.group(1).split():
            # Special targets (.PHONY), suffix rules (.c.o) and hidden file targets are not tasks.
            if name.startswith("."):
                continue
            entry = targets.setdefault(name, [i + 1, ""])
            entry[1] = entry[1] or command
    for name, (line, command) in targets.items():
        c.add("make", name, command, path, line)


def _first_recipe_line(lines: list[str], start: int) -> str:
    for j in range(start, min(len(lines), start + 200)):
        line = lines[j]
        if line.startswith("\t"):
            body = line.strip()
            k = j
            while body.endswith("\\") and k + 1 < len(lines):  # a continued shell line
                k += 1
                body = body[:-1].rstrip() + " " + lines[k].strip()
            body = body.lstrip("@-+ \t")
            if body and not body.startswith("#"):
                return body
        elif line.strip() and not line.lstrip().startswith("#"):
            return ""
    return ""


# -- just --------------------------------------------------------------------------------

_JUST_RECIPE = re.compile(r"""^@?([A-Za-z_][A-Za-z0-9_-]*)((?:[ \t][^:\n]*)?):(?!=)""")
_JUST_KEYWORDS = frozenset({"set", "alias", "export", "import", "mod", "if", "else"})


def _read_justfiles(c: _Collector) -> None:
    for path in (
        p for p in c.tree.paths if "/" not in p and p.lower() in ("justfile", ".justfile")
    ):
        text = c.read(path)
        if text is None:
            continue
        lines = text.split("\n")
        for i, line in enumerate(lines):
            m = _JUST_RECIPE.match(line)
            if m and m.group(1) not in _JUST_KEYWORDS:
                c.add("just", m.group(1), _first_body_line(lines, i + 1), path, i + 1)


def _first_body_line(lines: list[str], start: int) -> str:
    """The first command of an indented recipe body, skipping comments and a shebang."""
    for j in range(start, min(len(lines), start + 200)):
        line = lines[j]
        if not line.strip():
            continue
        if not line[0].isspace():
            return ""
        body = line.strip().lstrip("@-")
        if body and not body.startswith("#"):
            return body
    return ""


# -- Taskfile ------------------------------------------------------------------------------


def _read_taskfile(c: _Collector) -> None:
    # Task reads the first of these it finds, in this order.
    path = next(
        iter(
            _root(
                c.tree,
                "Taskfile.yml",
                "taskfile.yml",
                "Taskfile.yaml",
                "taskfile.yaml",
                "Taskfile.dist.yml",
                "taskfile.dist.yml",
                "Taskfile.dist.yaml",
                "taskfile.dist.yaml",
            )
        ),
        None,
    )
    text = c.read(path)
    if text is None:
        return
    try:
        doc = yamlsafe.load(text)
    except yamlsafe.YamlRejected as exc:
        c.reject(path, str(exc))
        return
    if not isinstance(doc, dict):
        c.reject(path, f"top level is {describe_type(doc)}, expected a mapping")
        return
    tasks = c.table(path, doc.get("tasks"), "tasks")
    if not tasks:
        return
    loc = Locator(text)
    loc.section(r"(?m)^tasks[ \t]*:")
    for name, spec in tasks.items():
        if isinstance(name, str):
            line = loc.find(_yaml_key(name))
            c.add("task", name, _taskfile_commands(spec), path, line)


def _yaml_key_context(text: str, start: int, end: int) -> bool:
    if start and text[start - 1] in "\"'":  # a quoted key: the same quote must close it
        if not text.startswith(text[start - 1], end):
            return False
        start, end = start - 1, end + 1
    indent = text[text.rfind("\n", 0, start) + 1 : start]
    return bool(indent) and not indent.strip() and text.startswith(":", skip_blanks(text, end))


def _yaml_key(name: str) -> Needle:
    """An indented ``name:`` — a key of a nested YAML mapping."""
    return Needle(name, _yaml_key_context)


def _taskfile_commands(spec: object) -> list[str]:
    if isinstance(spec, str):
        return [spec]
    items: object = spec
    if isinstance(spec, dict):
        if isinstance(spec.get("cmd"), str):
            return [spec["cmd"]]
        items = spec.get("cmds")
    commands = []
    for item in items if isinstance(items, list) else ():
        if isinstance(item, str):
            commands.append(item)
        elif isinstance(item, dict):
            if isinstance(item.get("cmd"), str):
                commands.append(item["cmd"])
            elif isinstance(item.get("task"), str):
                commands.append("task " + item["task"])
    return commands


# -- tox -----------------------------------------------------------------------------------


def _split_envlist(value: str) -> list[str]:
    """tox's env list: comma- or newline-separated, but commas inside ``{}`` are factors."""
    names, depth, current = [], 0, []
    for ch in value:
        if ch in ",\n" and depth == 0:
            names.append("".join(current).strip())
            current = []
            continue
        depth += (ch == "{") - (ch == "}")
        current.append(ch)
    names.append("".join(current).strip())
    return [n for n in names if n and not n.startswith("#")]


def _expand_braces(name: str, limit: int = 200) -> list[str]:
    """``py{311,312}-django`` -> ``py311-django``, ``py312-django`` (bounded)."""
    if name.count("{") > 10:
        return [name]
    m = re.search(r"\{([^{}]*)\}", name)
    if m is None:
        return [name]
    out: list[str] = []
    for alternative in m.group(1).split(","):
        out += _expand_braces(name[: m.start()] + alternative.strip() + name[m.end() :], limit)
        if len(out) >= limit:
            break
    return out[:limit]


def _tox_ini(c: _Collector, path: str, ini: str, text: str) -> None:
    """Envs of an INI-form tox configuration; ``text`` is the file the lines refer to."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(ini)
    except configparser.Error as exc:
        c.reject(path, ini_problem(exc, "tox INI"))
        return
    loc, headers = Locator(text), Locator(text)  # sections come in file order: read forward
    sections: dict[str, tuple[str, int | None]] = {}  # env -> (commands, line of its section)
    for section in parser.sections():
        if section.startswith("testenv:"):
            line = headers.find(literal(f"[{section}]"))
            for env in _expand_braces(section.removeprefix("testenv:").strip()):
                sections.setdefault(env, (parser.get(section, "commands", fallback=""), line))
    base = parser.get("testenv", "commands", fallback="") if parser.has_section("testenv") else ""
    envlist = ""
    if parser.has_section("tox"):
        envlist = parser.get("tox", "env_list", fallback=None) or parser.get(
            "tox", "envlist", fallback=""
        )
    envlist_line = loc.find(re.compile(r"(?m)^[ \t]*env_?list[ \t]*=")) if envlist else None
    seen = set()
    for env in [e for n in _split_envlist(envlist) for e in _expand_braces(n)] + list(sections):
        if env in seen:
            continue
        seen.add(env)
        commands, line = sections.get(env, (base, envlist_line))
        c.add("tox", env, _tox_ini_commands(commands), path, line)


def _tox_ini_commands(value: str) -> list[str]:
    joined = re.sub(r"\\\n", " ", value)  # backslash-continued command lines
    return [ln for ln in joined.split("\n") if ln.strip() and not ln.strip().startswith("#")]


def _tox_toml_command(command: object) -> str:
    if isinstance(command, str):
        return command
    if not isinstance(command, list):
        return ""
    words = []
    for word in command:
        if isinstance(word, str):
            words.append(word)
        elif isinstance(word, dict) and isinstance(word.get("replace"), str):
            words.append("{" + word["replace"] + "}")  # e.g. {posargs}
    return " ".join(words)


def _tox_toml(c: _Collector, path: str, conf: dict, text: str, prefix: str) -> None:
    """Envs of tox's native TOML form (``tox.toml``, or ``[tool.tox]`` with ``prefix``)."""
    loc, headers = Locator(text), Locator(text)

    def commands_of(table: object) -> list[str]:
        cmds = table.get("commands") if isinstance(table, dict) else None
        return [_tox_toml_command(x) for x in cmds] if isinstance(cmds, list) else []

    base = commands_of(conf.get("env_run_base"))
    envs = c.table(path, conf.get("env"), f"{prefix}env") or {}
    env_list = conf.get("env_list")
    names = [n for n in env_list if isinstance(n, str)] if isinstance(env_list, list) else []
    list_line = loc.find(re.compile(r"(?m)^[ \t]*env_list[ \t]*=")) if names else None
    for env in dict.fromkeys(names + [n for n in envs if isinstance(n, str)]):
        if env in envs:
            # `[env.NAME]` headers, or `NAME = {...}` inside `[env]`
            c.add(
                "tox",
                env,
                commands_of(envs[env]) or base,
                path,
                headers.find(toml_key(env)) or list_line,
            )
        else:
            c.add("tox", env, base, path, list_line)


def _read_tox(c: _Collector) -> None:
    for path in _root(c.tree, "tox.ini"):
        text = c.read(path)
        if text is not None:
            _tox_ini(c, path, text, text)
    for path in _root(c.tree, "tox.toml"):
        text = c.read(path)
        data = c.toml(path, text) if text is not None else None
        if data is not None:
            _tox_toml(c, path, data, text, "")
    # [tool.tox] in pyproject.toml is read with the other pyproject scripts.


# -- Python sources (scanned, never imported) ------------------------------------------------

_DEF = re.compile(r"(?m)^([ \t]*)(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(\s*(\w+)?")
_NAME_ARG = re.compile(r"""\bname\s*=\s*[rRuU]?["']([^"'\n]+)["']""")
_STRING = re.compile(r"""[rRbBuUfF]{0,2}(["'])((?:\\.|(?!\1).)*?)\1""")
_KWARG = re.compile(r"(?:^|,)\s*\w+\s*=(?!=)")


@dataclass(frozen=True)
class _PyFunction:
    name: str  # the decorator's name= override, else the function's name
    function: str
    param: str | None  # the first parameter (nox's session, invoke's context)
    line: int
    body: str


def _decorated_functions(text: str, decorator: re.Pattern[str]) -> Iterator[_PyFunction]:
    """Functions under a decorator matching ``decorator``, found by pattern alone."""
    loc = Locator(text)
    for m in decorator.finditer(text):
        # The decorated def follows within a few lines; never scan the whole file for it.
        d = (
            _DEF.search(text, m.end(), m.end() + 4000)
            if "def" in text[m.end() : m.end() + 4000]
            else None
        )
        if d is None:
            continue
        between = text[m.start() : d.start()]
        if between.count("\n") > 40:  # too far away to be this decorator's function
            continue
        override = _NAME_ARG.search(between)
        line = loc.line_at(d.start())
        yield _PyFunction(
            override.group(1) if override else d.group(2),
            d.group(2),
            d.group(3),
            line,
            _body(text, d.end(), len(d.group(1))),
        )


def _body(text: str, start: int, indent: int, max_lines: int = 2000) -> str:
    """The function body after ``start``: lines until one indented no deeper than the def."""
    end = text.find("\n", start)
    for _ in range(max_lines):
        if end < 0:
            return text[start:]
        nxt = text.find("\n", end + 1)
        ln = text[end + 1 : nxt if nxt >= 0 else len(text)]
        stripped = ln.strip()
        # A closing `) -> None:` of a multi-line signature sits at the def's indentation.
        if (
            stripped
            and len(ln) - len(ln.lstrip()) <= indent
            and not stripped.startswith((")", "#"))
        ):
            break
        end = nxt
    return text[start : end if end >= 0 else len(text)]


def _call_literals(body: str, call: re.Pattern[str]) -> list[str]:
    """The positional string literals of each call matching ``call``, joined with spaces."""
    commands = []
    for m in call.finditer(body):
        depth, end = 1, m.end()
        while end < len(body) and depth and end - m.end() < 2000:
            depth += (body[end] == "(") - (body[end] == ")")
            end += 1
        args = body[m.end() : end - 1]
        # Blank out string contents first, so "a, b=c" inside a literal is not a keyword.
        masked = _STRING.sub(lambda s: s.group(1) * 2 + " " * (len(s.group(0)) - 2), args)
        kw = _KWARG.search(masked)
        positional = args[: kw.start()] if kw else args
        words = [s.group(2) for s in _STRING.finditer(positional)]
        if words:
            commands.append(" ".join(words))
    return commands


def _read_noxfile(c: _Collector) -> None:
    for path in _root(c.tree, "noxfile.py"):
        text = c.read(path)
        if text is None:
            continue
        for fn in _decorated_functions(text, re.compile(r"(?m)^[ \t]*@(?:nox\.)?session\b")):
            param = re.escape(fn.param or "session")
            run = re.compile(rf"\b{param}\.run(?:_always|_install)?\s*\(")
            c.add("nox", fn.name, _call_literals(fn.body, run), path, fn.line)


_INVOKE_IMPORT = re.compile(
    r"(?m)^[ \t]*(?:from[ \t]+(?:invoke|fabric)\b|import[ \t]+(?:invoke|fabric)\b)"
)


def _read_invoke(c: _Collector) -> None:
    for path in _root(c.tree, "tasks.py"):
        text = c.read(path)
        # Celery projects also have tasks.py with @app.task; only invoke's own module counts.
        if text is None or not _INVOKE_IMPORT.search(text):
            continue
        for fn in _decorated_functions(text, re.compile(r"(?m)^[ \t]*@(?:invoke\.)?task\b")):
            param = re.escape(fn.param or "c")
            run = re.compile(rf"\b{param}\.(?:run|sudo)\s*\(")
            # invoke names tasks on the command line with dashes: def build_docs -> build-docs.
            name = fn.name if fn.name != fn.function else fn.function.strip("_").replace("_", "-")
            c.add("invoke", name, _call_literals(fn.body, run), path, fn.line)


# -- pyproject.toml and hatch.toml -----------------------------------------------------------


def _script_command(value: object) -> list[str]:
    """A Hatch/PDM/Poetry/Composer/mise script value: a string, a list, or a table."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, dict):
        for key in ("cmd", "run", "shell", "call", "reference", "callable", "composite", "file"):
            v = value.get(key)
            if isinstance(v, str):
                return [v]
            if isinstance(v, list):
                words = [x for x in v if isinstance(x, str)]
                # PDM's cmd list is one argv; composite and mise run lists are several commands.
                return [" ".join(words)] if key == "cmd" else words
    return []


def _keyed_scripts(
    c: _Collector,
    runner: str,
    path: str,
    text: str,
    table: object,
    where: str,
    anchor: str,
    prefix: str = "",
    skip: Iterable[str] = (),
) -> None:
    scripts = c.table(path, table, where)
    if not scripts:
        return
    loc = Locator(text)
    loc.section(anchor)
    skipped = set(skip)
    for name, value in scripts.items():
        if name not in skipped:
            c.add(runner, prefix + name, _script_command(value), path, loc.find(toml_key(name)))


def _hatch_envs(c: _Collector, path: str, text: str, envs: object, where: str, header: str) -> None:
    for env, conf in (c.table(path, envs, where) or {}).items():
        conf = c.table(path, conf, f"{where}.{env}")
        if conf is not None and "scripts" in conf:
            # Hatch runs the default env's scripts bare and the others as env:script.
            _keyed_scripts(
                c,
                "hatch",
                path,
                text,
                conf["scripts"],
                f"{where}.{env}.scripts",
                anchor=rf"(?m)^\[{re.escape(header)}\.[\"']?{re.escape(env)}[\"']?\.scripts\]",
                prefix="" if env == "default" else f"{env}:",
            )


def _read_pyproject_scripts(c: _Collector) -> None:
    text = c.read("pyproject.toml")
    data = c.toml("pyproject.toml", text) if text is not None else None
    path = "pyproject.toml"
    if data is not None:
        tool = c.table(path, data.get("tool"), "[tool]") or {}
        poetry = c.table(path, tool.get("poetry"), "[tool.poetry]") or {}
        _keyed_scripts(
            c,
            "poetry-scripts",
            path,
            text,
            poetry.get("scripts"),
            "[tool.poetry.scripts]",
            anchor=r"(?m)^\[tool\.poetry\.scripts\]",
        )
        hatch = c.table(path, tool.get("hatch"), "[tool.hatch]") or {}
        _hatch_envs(c, path, text, hatch.get("envs"), "[tool.hatch.envs]", "tool.hatch.envs")
        pdm = c.table(path, tool.get("pdm"), "[tool.pdm]") or {}
        # PDM's "_" entry holds options shared by every script, not a script.
        _keyed_scripts(
            c,
            "pdm",
            path,
            text,
            pdm.get("scripts"),
            "[tool.pdm.scripts]",
            anchor=r"(?m)^\[tool\.pdm\.scripts\]",
            skip=("_",),
        )
        tox = c.table(path, tool.get("tox"), "[tool.tox]")
        if tox is not None:
            legacy = tox.get("legacy_tox_ini")
            if isinstance(legacy, str):
                _tox_ini(c, path, legacy, text)
            else:
                _tox_toml(c, path, tox, text, "tool.tox.")
    hatch_text = c.read("hatch.toml")
    hatch_data = c.toml("hatch.toml", hatch_text) if hatch_text is not None else None
    if hatch_data is not None:
        _hatch_envs(c, "hatch.toml", hatch_text, hatch_data.get("envs"), "[envs]", "envs")


# -- Composer ------------------------------------------------------------------------------


def _read_composer_scripts(c: _Collector) -> None:
    text = c.read("composer.json")
    data = c.json("composer.json", text) if text is not None else None
    if data is None or data.get("scripts") is None:
        return
    scripts = data["scripts"]
    if not isinstance(scripts, dict):
        c.reject("composer.json", f"scripts is {describe_type(scripts)}, expected an object")
        return
    loc = Locator(text)
    loc.section(json_key("scripts"))
    for name, value in scripts.items():
        c.add(
            "composer-scripts",
            name,
            _script_command(value),
            "composer.json",
            loc.find(json_key(name)),
        )


# -- Rake ----------------------------------------------------------------------------------

_RAKE_TASK = re.compile(r"""^\s*(?:multi)?task\s*(?:\(\s*)?(?::(?P<sym>[\w?!]+)|["'](?P<str>[^"']+)["']|(?P<key>\w+):\s)""")
_RAKE_TASK_CLASS = re.compile(r"""(?<![\w:])(?P<cls>[A-Z][\w:]{0,200}?(?:RakeTask|TestTask))\.new\s*(?:\(\s*)?(?::(?P<sym>\w+)|["'](?P<str>[^"']+)["'])?""")
#: Task names the well-known task classes use when given none.
_RAKE_CLASS_DEFAULTS = {
    "RSpec::Core::RakeTask": "spec",
    "Rake::TestTask": "test",
    "RuboCop::RakeTask": "rubocop",
    "Cucumber::Rake::Task": "cucumber",
}
_RAKE_NAMESPACE = re.compile(r"""^\s*namespace\s*(?:\(\s*)?(?::(\w+)|["']([^"']+)["'])""")
_RAKE_SHELL = re.compile(r"""\b(?:sh|system|ruby)\s*(?:\(\s*)?["']([^"']+)["']""")
_OPENS_DO = re.compile(r"\bdo\s*(?:\|[^|]*\|)?\s*$")


def _read_rakefiles(c: _Collector) -> None:
    paths = _root(c.tree, "Rakefile", "rakefile", "Rakefile.rb", "rakefile.rb")
    paths += [p for p in c.tree.under("rakelib") if p.endswith(".rake") and p.count("/") == 1]
    for path in paths:
        text = c.read(path)
        if text is not None:
            _rake_tasks(c, path, text)


def _rake_tasks(c: _Collector, path: str, text: str) -> None:
    found: dict[str, list] = {}  # qualified name -> [line, commands, command class]
    open_tasks: list[tuple[int, str]] = []  # (block depth, task) for sh lines inside task blocks
    for lineno, code, stack in ruby_blocks(text):
        depth = len(stack)
        while open_tasks and open_tasks[-1][0] >= depth:
            open_tasks.pop()
        namespaces = [
            ns.group(1) or ns.group(2)
            for label in stack
            if label and (ns := _RAKE_NAMESPACE.match(label))
        ]
        name, command = None, None
        if m := _RAKE_TASK.match(code):
            name = m.group("sym") or m.group("str") or m.group("key")
        elif m := _RAKE_TASK_CLASS.search(code):
            name = m.group("sym") or m.group("str") or _RAKE_CLASS_DEFAULTS.get(m.group("cls"))
            command = m.group("cls")
        if name:
            qualified = ":".join([*namespaces, name])
            found.setdefault(qualified, [lineno, [], command])
            if _OPENS_DO.search(code):
                open_tasks.append((depth, qualified))
            current = qualified
        else:
            current = open_tasks[-1][1] if open_tasks else None
        if current is not None:
            found[current][1] += [s.group(1) for s in _RAKE_SHELL.finditer(code)]
    for name, (line, commands, cls) in found.items():
        c.add("rake", name, commands or ([cls] if cls else []), path, line)


# -- mise ----------------------------------------------------------------------------------


def _read_mise(c: _Collector) -> None:
    for path in _root(c.tree, ".mise.toml", "mise.toml", ".config/mise.toml"):
        text = c.read(path)
        data = c.toml(path, text) if text is not None else None
        if data is None:
            continue
        tasks = c.table(path, data.get("tasks"), "[tasks]")
        if not tasks:
            continue
        loc = Locator(text)
        for name, spec in tasks.items():
            # `[tasks.NAME]` headers, `NAME = ...` inside `[tasks]`, or dotted `tasks.NAME = ...`
            c.add("mise", name, _script_command(spec), path, loc.find(toml_key(name)))
