"""Definition of Ready: what a story needs before anyone starts on it.

Readiness is written down as a "Definition of Ready", asked for by issue
templates (user story, acceptance criteria, estimate, priority) and, for larger
changes, by a design-proposal or RFC process. The history adds one trace: whether
feature work cites the ticket or proposal it was refined in. Like the DoD, a
readiness habit visible only in the history earns no more than ❌ MISSING.
"""

from __future__ import annotations

import re

from auditor.facts import paths as P
from auditor.facts.tree import line_of
from auditor.model import Effort, Evidence, Measure, Signal
from auditor.rule import Rule
from auditor.rules._text import fast
from auditor.rules.board import commit_ref, issue_templates, process_docs, ticket_refs
from auditor.rules.dod import feature_commits, section_items

STORY_READINESS = (
    "User story format (As a [user], I want [goal], so that [benefit])",
    "Acceptance criteria defined",
    "Dependencies identified",
    "Design assets available",
    "Technical spike completed (if needed)",
    "Effort estimated",
    "Priority assigned",
)
TECHNICAL_READINESS = (
    "API contracts defined",
    "Database schema changes planned",
    "Third-party integrations identified",
    "Security considerations reviewed",
    "Performance requirements specified",
)

# What shows each readiness item in a template or document.
STORY_FIELDS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple((item, short, re.compile(rx, re.IGNORECASE))
                                                                   for item, short, rx in (
    (STORY_READINESS[0], "user story", r"\bas an? [^\n]{1,60}?,? i (want|need|would like)\b|\buser[-_ ]?stor(y|ies)\b"),
    (STORY_READINESS[1], "acceptance criteria",
     r"\bacceptance[-_ ]?criteria\b|\bgiven\b[^\n]{1,80}\bwhen\b[^\n]{1,80}\bthen\b|\bdefinition[-_ ]of[-_ ]done\b"),
    (STORY_READINESS[2], "dependencies", r"\bdependenc(y|ies)\b|\bblocked[-_ ]by\b|\bdepends[-_ ]on\b"),
    (STORY_READINESS[3], "design assets", (r"\bmock-?ups?\b|\bmock ups?\b|\bwireframes?\b|\bfigma\b"
                                            r"|\bdesign (assets?|files?|specs?)\b|\bscreenshots?\b")),
    (STORY_READINESS[4], "technical spike", r"\bspikes?\b|\binvestigation\b|\bresearch\b"),
    (STORY_READINESS[5], "effort estimate", (r"\bestimat(e|es|ed|ion)\b|\bstory[-_ ]?points?\b|\bt-?shirt\b|\beffort\b"
                                             r"|\bsize\b")),
    (STORY_READINESS[6], "priority", r"\bpriorit(y|ies|ize)\b|\bseverity\b|\burgency\b"),
))
TECH_FIELDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((item, re.compile(rx, re.IGNORECASE)) for item, rx in (
    (TECHNICAL_READINESS[0], r"\bapi\b|\bcontracts?\b|\bendpoints?\b|\binterfaces?\b"),
    (TECHNICAL_READINESS[1], r"\bschema\b|\bmigrations?\b|\bdatabase\b|\bdata model\b"),
    (TECHNICAL_READINESS[2], r"\bthird[- ]party\b|\bintegrations?\b|\bexternal (services?|dependenc)"),
    (TECHNICAL_READINESS[3], r"\bsecurity\b|\bthreat model|\bprivacy\b"),
    (TECHNICAL_READINESS[4], r"\bperformance\b|\blatency\b|\bscalab|\bthroughput\b"),
))

_DOR_TEXT = fast(r"(?i:definitions? of ready|\bready[- ](?:for|to)[- ](?:dev|development|work|start)\b[^\n]{0,40}"
                       r"\b(?:criteria|checklist)|\breadiness (?:criteria|checklist)\b)|^#{1,6}[^\n]*\bDoR\b|\(DoR\)"
                       r"|\bDoR:", re.MULTILINE, split=True)


class DOR001(Rule):
    """The Definition of Ready is written down.

    Searches the prose documents and issue templates for a "Definition of Ready"
    (a "DoR" heading, "ready for development" criteria, a readiness checklist),
    counts the items under it and reports which readiness items it covers:
    user-story format, acceptance criteria, dependencies, design assets, spikes,
    estimate and priority.

    ## Why it matters
    An agreed bar for "ready" keeps work from starting on under-specified stories whose gaps surface mid-sprint.

    ## How to fix
    Add a "Definition of Ready" section to `CONTRIBUTING.md` (or `docs/process/definition-of-ready.md`): user story, acceptance criteria, dependencies identified, design available, estimated, prioritised.
    """

    area = "dor"
    effort = Effort.HOUR
    weight = 1.5

    def check(self, tree):
        texts = dict(process_docs(tree))
        for t in issue_templates(tree)[0]:
            texts.setdefault(t.path, t.text)
        hits = []
        for path, text in texts.items():
            if _DOR_TEXT.search(text):
                line = line_of(text, _DOR_TEXT)
                hits.append((path, line, section_items(text, line or 1)))
        if not hits:
            return self.failed(f"no written Definition of Ready in any of {len(texts)} documents and templates",
                               missing=STORY_READINESS)
        hits.sort(key=lambda h: -len(h[2]))
        path, line, items = hits[0]
        evidence = [Evidence(path=p, line=ln, note=f"Definition of Ready, {len(its)} criteria" if its
                             else "mentions the Definition of Ready") for p, ln, its in hits[:5]]
        if not items:
            return self.passed(f"{path} mentions a Definition of Ready but lists no criteria under it",
                               signal=Signal.AD_HOC, evidence=evidence)
        joined = "\n".join(items)
        covered = [short for _, short, rx in STORY_FIELDS if rx.search(joined)]
        absent = [short for _, short, rx in STORY_FIELDS if not rx.search(joined)]
        obs = [f"The Definition of Ready asks for {', '.join(covered) or 'none of the usual items'}"
               + (f"; not for {', '.join(absent)}." if absent else ".")]
        return self.passed(f"{path} defines a Definition of Ready with {len(items)} criteria",
                           signal=Signal.DOCUMENTED, evidence=evidence, measures=[Measure("DoR criteria", len(items))],
                           observations=obs)


def _template_text(t) -> str:
    if t.kind == "form":
        return "\n".join([t.name, *(" ".join(f) for f in t.fields)])
    return t.text


class DOR002(Rule):
    """Issue templates ask for what makes a story ready.

    Reads each issue template — the field ids, labels and descriptions of YAML
    issue forms, the text of Markdown templates — for the readiness items: a
    user story ("As a … I want … so that …"), acceptance criteria, an estimate,
    a priority, dependencies and design assets. Passes when some template asks
    for acceptance criteria or a user story.

    ## Why it matters
    Templates that ask for acceptance criteria and a priority check readiness before work starts rather than during it.

    ## How to fix
    Add `.github/ISSUE_TEMPLATE/story.yml` as an issue form with required fields for the user story (As a … I want … so that …), acceptance criteria, dependencies, estimate and priority.
    """

    area = "dor"
    effort = Effort.HOUR

    def check(self, tree):
        templates, _ = issue_templates(tree)
        core = STORY_READINESS[0], STORY_READINESS[1], STORY_READINESS[5], STORY_READINESS[6]
        if not templates:
            return self.failed("no issue or story templates, so nothing asks for a user story, acceptance criteria, "
                               "an estimate or a priority", missing=core)
        asks: dict[str, list[tuple[str, int | None]]] = {}
        for t in templates:
            text = _template_text(t)
            for _item, short, rx in STORY_FIELDS:
                if rx.search(text):
                    asks.setdefault(short, []).append((t.path, line_of(t.text, rx)))
        ready = [t for t in templates if any(p == t.path for s in ("acceptance criteria", "user story")
                                             for p, _ in asks.get(s, ()))]
        evidence = []
        for short, where in asks.items():
            for p, ln in where[:2]:
                evidence.append(Evidence(path=p, line=ln, note=f"asks for {short}"))
        absent = [(item, short) for item, short, _ in STORY_FIELDS if short not in asks]
        obs = []
        if asks:
            obs.append("Readiness fields in the templates: " + "; ".join(
                f"{short} ({', '.join(dict.fromkeys(p.rsplit('/', 1)[-1] for p, _ in where))})"
                for short, where in asks.items()) + ".")
        if absent:
            obs.append(f"No template asks for: {', '.join(s for _, s in absent)}.")
        measures = [Measure("templates asking for acceptance criteria or a user story",
                            f"{len(ready)} of {len(templates)}")]
        if ready:
            return self.passed(f"{len(ready)} of {len(templates)} issue templates ask for acceptance criteria or a "
                               f"user story ({', '.join(t.file for t in ready[:3])})",
                               signal=Signal.DOCUMENTED, evidence=evidence[:8], measures=measures, observations=obs)
        files = ", ".join(t.file for t in templates[:4])
        return self.failed(f"{len(templates)} issue template(s) ({files}), but none asks for acceptance criteria or a "
                           "user story", evidence=evidence[:8] or [Evidence(path=t.path) for t in templates[:4]],
                           measures=measures, observations=obs,
                           missing=[item for item, _ in absent if item in core])


_PROPOSAL_DIR = re.compile(r"(^|/)(rfcs?|proposals?|design[-_ ]?docs?|design|enhancements|keps|tech[-_ ]?specs?)/",
                           re.IGNORECASE)
_PROPOSAL_TEXT = fast(r"\bRFC process\b|\bdesign (doc|document|proposal)s?\b"
                            r"|\b(proposal|rfc) (process|template)\b|\bdesign review\b|\btechnical (design|spec)s?\b",
                            re.IGNORECASE, split=True)
_ASSET_EXT = {"png", "jpg", "jpeg", "svg", "gif", "webp", "fig", "sketch", "pdf", "drawio", "excalidraw"}


class DOR003(Rule):
    """Larger changes start from a written design proposal.

    Looks for RFC and design-proposal folders (``rfcs/``, ``docs/rfcs/``,
    ``proposals/``, ``design/``, ``docs/design/``, ``enhancements/``, ``keps/``)
    and the documents and template in them, and for a described proposal or
    design-review process in CONTRIBUTING or ``docs/``. Reports which technical
    readiness items the template or proposals address (API contracts, schema
    changes, integrations, security, performance). Architecture decision records
    are reported but do not count: they record decisions, not readiness.

    ## Why it matters
    A proposal step settles API, schema and integration questions before coding, where they are cheapest to change.

    ## How to fix
    Add `docs/rfcs/0000-template.md` (problem, proposal, API contract, schema changes, third-party integrations, security and performance considerations) and require an accepted proposal before larger changes start.
    """

    area = "dor"
    effort = Effort.DAY

    def check(self, tree):
        in_dirs = [p for p in tree.paths if _PROPOSAL_DIR.search(p) and not P.is_vendored(p) and not P.is_test(p)
                   and not P.is_source(p)]
        proposals = [p for p in in_dirs if P.extension(p) in ("md", "mdx", "rst", "adoc", "txt")]
        assets = [p for p in in_dirs if P.extension(p) in _ASSET_EXT]
        templates = [p for p in proposals if re.search(r"template|0000", p.rsplit("/", 1)[-1], re.IGNORECASE)]
        docs = process_docs(tree)
        described = []
        for path, text in docs:
            if path in proposals:
                continue
            m = _PROPOSAL_TEXT.search(text)
            if m:
                described.append((path, line_of(text, _PROPOSAL_TEXT), m.group(0)))
        adrs = [p for p in tree.paths if re.search(r"(^|/)(adrs?|decisions|architecture/decisions)/", p, re.IGNORECASE)
                and P.extension(p) in ("md", "rst", "adoc")]
        obs = []
        if adrs:
            folder = adrs[0].rsplit("/", 1)[0]
            obs.append(f"{folder} holds {len(adrs)} architecture decision record(s); they record decisions but are "
                       "not counted as readiness proposals.")
        basis = "\n".join(tree.read_text(p) or "" for p in (templates or proposals)[:20])
        covered = [item for item, rx in TECH_FIELDS if rx.search(basis)]
        absent = [item for item, rx in TECH_FIELDS if not rx.search(basis)]
        if proposals or described:
            evidence = [Evidence(path=p, note="proposal template") for p in templates[:2]]
            evidence += [Evidence(path=p, note="design proposal") for p in proposals if p not in templates][-4:]
            evidence += [Evidence(path=p, line=ln, note=f"mentions \"{s}\"") for p, ln, s in described[:3]]
            parts = []
            if proposals:
                folders = sorted({p.rsplit("/", 1)[0] for p in proposals})
                parts.append(f"{len(proposals) - len(templates)} design proposal(s) in {', '.join(folders[:3])}"
                             + (f" with a template ({templates[0]})" if templates else ""))
            if described:
                parts.append(f"a proposal or design-review step described in "
                             f"{', '.join(sorted({p for p, _, _ in described})[:3])}")
            if proposals:
                obs.append(("The proposal template" if templates else "The proposals") +
                           (f" address {', '.join(c[0].lower() + c[1:] for c in covered)}" if covered
                            else " address none of the technical readiness items")
                           + (f"; not {', '.join(a[0].lower() + a[1:] for a in absent)}." if absent else "."))
            measures = [Measure("design proposals", len(proposals) - len(templates))] if proposals else []
            return self.passed("; ".join(parts), signal=Signal.DOCUMENTED, evidence=evidence, measures=measures,
                               observations=obs)
        if assets:
            folders = sorted({p.rsplit("/", 1)[0] for p in assets})
            return self.passed(f"{len(assets)} design asset(s) in {', '.join(folders[:3])}, but no written proposals",
                               signal=Signal.AD_HOC, observations=obs,
                               evidence=[Evidence(path=p, note="design asset") for p in assets[:4]])
        return self.failed("no RFC or design-proposal folder and no proposal process described",
                           observations=obs, missing=TECHNICAL_READINESS)


_PROPOSAL_REF = re.compile(r"\bRFC[- ]?\d+\b|\b(rfc|proposal|design doc|spec)\b", re.IGNORECASE)


class DOR004(Rule):
    """Feature work starts from a refined, tracked item.

    Reads the feature commits among the newest ``window`` non-merge commits (as
    the DoD rule defines them) and counts those that cite the ticket, issue or
    proposal they implement — a sign the work was written up before it started.

    ## Why it matters
    Features that start from a refined ticket have their scope and acceptance settled before implementation, not during it.

    ## How to fix
    Start each feature from a ticket that meets the Definition of Ready and cite it in the branch name and commit (`SMS-142: add promo limits`).
    """

    area = "dor"
    effort = Effort.ONGOING
    weight = 0.75
    thresholds = {"window": 200, "min_features": 5, "cited_share_min": 0.5}

    def check(self, history, thresholds):
        features, commits = feature_commits(history, int(thresholds["window"]))
        n = len(features)
        if n < thresholds["min_features"]:
            return self.skip(f"too few feature commits ({n}) in the last {len(commits)} non-merge commits")
        cited = [c for c in features if ticket_refs(c) or _PROPOSAL_REF.search(c.subject + "\n" + c.body)]
        share = len(cited) / n
        win = f"last {n} feature commits ({features[-1].date} to {features[0].date})"
        measures = [Measure("feature commits citing a ticket or proposal", round(share, 2), "%",
                            thresholds["cited_share_min"], win)]
        if share >= thresholds["cited_share_min"]:
            return self.passed(f"{len(cited)} of {n} recent feature commits cite the ticket or proposal they "
                               "implement", signal=Signal.OBSERVED, measures=measures,
                               evidence=[commit_ref(c) for c in cited[:3]])
        uncited = [c for c in features if c not in cited]
        obs = [("Stories appear to be implemented directly without formal refinement: "
               f"{len(uncited)} of {n} feature commits cite no ticket, story or proposal.")]
        return self.failed(f"{len(uncited)} of {n} recent feature commits cite no ticket, story or proposal",
                           measures=measures, observations=obs,
                           evidence=[commit_ref(c, f"uncited feature: {c.subject[:90]}") for c in uncited[:3]],
                           missing=("Refinement step before implementation (ticket meeting the Definition of Ready)",))
