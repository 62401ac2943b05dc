"""Live stage (`serve`): an edit of incidents' descriptions applied to the last good build kept in memory.

A preview's edits are mostly to one description. Such an edit changes nothing that the archive is
linked or planned from (the record's front matter, and so its lists, terms, places, neighbours and
feeds, are as they were), only what shows the description itself: the record's page, its own JSON
and the search text that holds its words. So a preview keeps its last good build (pipeline.Kept)
and applies such an edit to it: the file is read and its body converted again, the pages given
that body are given the new one, the other outputs that read descriptions (the search files, the
record's own JSON: outputs.plan_bodies) are planned again, and the writer renders what changed.
It writes from what the preview kept of its own last write (incremental.write_changed): neither
the cache's records of output/ nor every file's time are read again, unless someone else wrote
output/ since (a build in another terminal, a folder deleted), when the whole site is looked at.

Anything else (a front matter, a new, renamed or deleted file, a page, a translation or a record
with one, a template, site.yaml, media, a problem before or after, a new commit) is left to a
whole build: `patch` answers None and the preview builds as `build` does. The result is the same
bytes either way (tests/test_serve_patch.py compares it with a clean build after each kind of edit).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from . import content, outputs, render, vcs
from .cache import CacheDamaged, collector_paused, pack_html
from .incremental import Output, RecordParts, write_changed, write_outputs
from .model import Failure, Incident
from .pipeline import Kept, Linked, Options, Result, _open_cache, _Reader, _store, incident_document
from .render import BodyRef, PageSpec


def patch(root: Path, out_dir: Path, kept: Kept, changed: set[str], options: Options) -> Result | None:
    """Apply an edit of these files (paths relative to root) to the kept build; None: a whole build is needed."""
    archive = kept.linked.archive
    by_path = {incident.path: incident for incident in archive.incidents.values()}
    if not changed or not all(path in by_path for path in changed):
        return None
    if any(problem.path in changed for problem in kept.problems):
        return None  # its problems may go, and the whole build says which remain
    if any(by_path[path].id in translated for path in changed for translated in archive.translations.values()):
        return None  # a translation of it may turn stale
    if kept.config.history and vcs.history_head(root) != kept.head:
        return None
    try:
        cache = _open_cache(root, kept.config, kept.theme, options)
    except CacheDamaged:
        return None
    try:
        # A preview holds the whole archive: the cyclic collector, run every few hundred
        # allocations, would walk all of it each time (half of applying an edit at 10,000 records).
        with collector_paused():
            return _patched(root, out_dir, kept, [by_path[path] for path in sorted(changed)], cache, options)
    except (CacheDamaged, Failure, OSError):
        return None  # the whole build says what is wrong, and how
    finally:
        cache.close()


def _patched(root: Path, out_dir: Path, kept: Kept, old: list[Incident], cache, options: Options) -> Result | None:
    archive, bodies = kept.linked.archive, dict(kept.linked.bodies)
    reader = _Reader(root, kept.config, {}, _store(cache), kept.translations)
    from .markup import Converter

    converter = Converter(archive.links)
    incidents, replaced, rows = dict(archive.incidents), {}, []
    for before in old:
        read = reader(before.path)
        after = read.record
        if read.problems or not isinstance(after, Incident) or after.digest != before.digest or after.id != before.id:
            return None  # its front matter changed, or it has a problem to report
        text, problem = content.read_body(root, after.path, after.body)
        if problem or text is None:
            return None
        document = incident_document(after)
        body, html = converter.convert(document, text)
        if body.problems or body.links_to != kept.linked.links_to.get(after.id):
            return None  # what links to what changes backlinks: planned from the whole archive
        incidents[after.id] = after
        new_body = BodyRef(document.key, body.html_digest)
        replaced[bodies[after.id].key], bodies[after.id] = new_body, new_body
        rows.append((document.key, body, pack_html(html)))
    cache.save_bodies(iter(rows), keep={ref.key for ref in bodies.values()})
    patched_archive = dataclasses.replace(archive, incidents=incidents)
    replanned = _replanned(root, kept, patched_archive, bodies, replaced, [before.id for before in old], cache)
    if replanned is None:
        return None
    planned, pages_by_body = replanned
    known = {id(output): kept.fingerprints[id(output)] for output in planned if id(output) in kept.fingerprints}
    written = None
    if kept.site is not None:
        written = write_changed(out_dir, planned, kept.env, cache, options.jobs, options.progress, known, kept.site)
    if written is None:  # the output folder is not as the preview's last write left it
        written = write_outputs(out_dir, planned, kept.env, cache, options.jobs, options.progress, known)
    result = Result(problems=list(kept.problems), incidents=len(incidents), pages=len(archive.pages),
                    files_written=written.files, files_removed=written.removed,
                    files_rendered=written.files + written.unchanged)
    linked = Linked(patched_archive, bodies, kept.linked.problems, kept.linked.links_to)
    fingerprints = {id(output): written.fingerprints[output.path] for output in planned}
    result.kept = dataclasses.replace(kept, linked=linked, planned=planned, fingerprints=fingerprints,
                                      site=written.site, pages_by_body=pages_by_body)
    return result


def _replanned(root: Path, kept: Kept, archive, bodies: dict[str, BodyRef], replaced: dict[str, BodyRef],
               edited: list[str], cache) -> tuple[list[Output], dict[str, list[int]]] | None:
    """The kept outputs with the new bodies, and where the pages given each body are among them:
    pages given an old body get the new one; the other outputs that read descriptions (the search
    text shards that hold the edited records, their own JSON: outputs.plan_bodies) are planned
    again, and the rest kept."""
    replanned = outputs.plan_bodies(archive, kept.config, bodies, root, kept.theme, _store(cache), RecordParts(cache), edited)
    fresh = {output.path: output for output in replanned if not isinstance(output, PageSpec)}
    planned: list[Output] = [fresh.pop(output.path, output) if not isinstance(output, PageSpec) else output
                             for output in kept.planned]
    if fresh:  # an output the last build did not have
        return None
    pages_by_body = _pages_by_body(kept.planned) if kept.pages_by_body is None else dict(kept.pages_by_body)
    for old_key, new_body in replaced.items():
        where = pages_by_body.pop(old_key, [])
        for index in where:
            page = planned[index]
            assert isinstance(page, PageSpec), "only pages are indexed by body"
            planned[index] = _given(page, replaced)  # a page given two bodies: given both at the first
        pages_by_body[new_body.key] = where
    return planned, pages_by_body


def _pages_by_body(planned: list[Output]) -> dict[str, list[int]]:
    """Body key → the places in planned of the pages given that body: found once a preview, not once an edit."""
    found: dict[str, list[int]] = {}
    for index, output in enumerate(planned):
        if isinstance(output, PageSpec):
            for value in output.context.values():
                if type(value) is BodyRef:
                    found.setdefault(value.key, []).append(index)
    return found


def _given(spec: PageSpec, replaced: dict[str, BodyRef]) -> PageSpec:
    """A copy of the page given the new bodies in place of the old ones."""
    context = {name: replaced[value.key] if type(value) is BodyRef and value.key in replaced else value
               for name, value in spec.context.items()}
    return render.PageSpec(spec.path, spec.template, context, spec.root)
