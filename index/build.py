"""Build, update and describe a Marsad index.

The public calls (the CLI in :mod:`index.cli` is a thin wrapper over them)::

    build_index(paths, index_dir, procs=2)      # full rebuild, swapped in atomically
    update_index(paths, index_dir, prune=True)  # incremental, also swapped in atomically
    index_stats(index_dir)                       # documents, date range, facets, size, versions
    open_index(index_dir)                        # the live Whoosh index (checks versions)
    current_generation(index_dir)                # cheap token that changes on every swap
    resolve_index_dir(option)                    # --index, $MARSAD_INDEX, or the user data dir

How a build runs: this process reads the corpus (``index.sources``), hashes
each record's text (for duplicates, in read order so ``duplicate_of`` is
deterministic) and hands batches of records to ``procs`` worker processes.
Each worker extracts the facets (``index.extract``), analyses title and body
at both levels in one pass and writes its own Whoosh segment(s) with
:class:`index.segwriter.FastSegmentWriter`; this process then commits one TOC
listing every worker's segments, writes ``marsad.json`` and swaps the new
generation in (:mod:`index.store`). An update hard-links the live generation's
files into a new generation, applies deletions and additions there, and swaps
it in the same way, so a reader never sees a half-written index and a killed
run leaves the live one untouched.
"""
from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import queue as queue_mod
import shlex
import shutil
import sys
import time
import traceback
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date as Date
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as windex
from whoosh.writing import MERGE_SMALL, NO_MERGE

from marsad.index import neardup, readerarrays
from marsad.index.codec import hash_column
from marsad.index.records import Record, content_hash
from marsad.index.schema import FACET_FIELDS, build_schema, versions
from marsad.index.segwriter import FastSegmentWriter, PairAnalyzer, make_codec
from marsad.index.store import (
    IndexDamaged,
    IndexLock,
    IndexLocked,
    IndexMissing,
    IndexVersionMismatch,
    build_hint,
    check_files,
    check_versions,
    cleanup,
    current_generation,
    diagnose,
    file_sizes,
    live_dir,
    new_generation_dir,
    newest_other_generation,
    publish,
    read_meta,
    resolve_index_dir,
    write_meta,
)

__all__ = [
    "BuildReport", "BuildError", "IndexShrink", "IndexMissing", "IndexVersionMismatch", "IndexDamaged",
    "IndexLocked", "reading",
    "build_index", "update_index", "index_stats", "open_index", "current_generation", "resolve_index_dir",
    "record_to_doc", "DEFAULT_PROCS", "MIN_KEEP_RATIO",
]

log = logging.getLogger(__name__)

DEFAULT_PROCS = max(1, os.cpu_count() or 1)
# Records per job handed to a worker, and jobs queued per worker: enough to
# keep both busy, little enough to bound memory.
BATCH = 64
QUEUE_PER_WORKER = 4
# A worker starts a new segment past this many postings (bounds its memory: the
# one-pass writer counts every token of both levels, 12M of them are a few hundred MB
# of int32 arrays, at most ~1 GB while the segment is sorted and written).
SEGMENT_POSTINGS = 12_000_000
MAX_LISTED_SKIPS = 50
# A rebuild (or an update --prune) that would leave fewer than this share of the
# live index's documents is refused unless ``allow_shrink``: a path typo, an
# unmounted disk or a half-copied corpus must never wipe an index. Half is far
# below any real corpus change (a day's news adds or removes a few percent) and
# far above what a wrong path yields (nothing, or one stray folder).
MIN_KEEP_RATIO = 0.5


class BuildError(RuntimeError):
    """A build or update could not complete; the live index is untouched."""


class IndexShrink(BuildError):
    """A run would empty the index or drop most of it; refused, the live index is untouched.

    ``live``: documents in the live index (None if there is none or it cannot be
    read); ``would_have``: documents the new generation would hold; ``records``:
    records the input yielded. The message says what was found and what to run.
    """

    def __init__(self, message: str, *, live: int | None, would_have: int, records: int):
        super().__init__(message)
        self.live = live
        self.would_have = would_have
        self.records = records


# ---------------------------------------------------------------- report

@dataclass
class BuildReport:
    """What a build or update did. ``summary()`` is the line the CLI prints."""

    action: str = "build"
    index_dir: str = ""
    generation: str | None = None
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    duplicates: int = 0
    skipped: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)
    skipped_items: list[str] = field(default_factory=list)  # the first few, "path: reason: detail"
    documents: int = 0  # in the index after the run
    seconds: float = 0.0
    docs_per_second: float = 0.0
    procs: int = 1
    read: dict[str, Any] = field(default_factory=dict)  # index.sources ReadReport.to_dict() (without lists)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per phase, all workers summed
    near_duplicates: int = 0  # documents in a cluster of rewritten copies (index.neardup), the first excepted

    def summary(self) -> str:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.skip_reasons.items()))
        parts = [f"added {self.added}", f"updated {self.updated}", f"unchanged {self.unchanged}"]
        if self.action == "update":
            parts.append(f"deleted {self.deleted}")
        parts += [f"duplicates {self.duplicates}",
                  f"skipped {self.skipped}" + (f" ({reasons})" if reasons else ""),
                  f"{self.seconds:.1f} s", f"{self.docs_per_second:.0f} documents/s"]
        return f"{self.action}: " + " / ".join(parts) + f"; {self.documents} documents in the index"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- documents

def record_to_doc(r: Record, content_hash_: str, duplicate_of: str, ingested: str) -> dict[str, Any]:
    """The Whoosh document of an (extracted) record: the field names of ``index.schema``."""
    d = r.date
    return {
        "id": r.id,
        "url": r.url or "",
        "source_path": r.source_path or "",
        "content_hash": content_hash_,
        "duplicate_of": duplicate_of or "",
        "ingested": ingested,
        "title": r.title or "",
        "body": r.body or "",
        "title_exact": r.title or "",
        "body_exact": r.body or "",
        "outlet": r.outlet or None,
        "date": datetime(d.year, d.month, d.day) if isinstance(d, Date) else None,
        "date_precision": (r.date_precision or "") if d else "",
        "date_source": (r.date_source or "") if d else "",
        "provinces": ",".join(r.provinces) or None,
        "actors": ",".join(r.actors) or None,
        "evidence": json.dumps([e.to_dict() for e in r.evidence], ensure_ascii=False),
    }


def _doc_from_stored(stored: dict[str, Any], duplicate_of: str) -> dict[str, Any]:
    """Re-create a document from its stored fields (to rewrite its ``duplicate_of``)."""
    doc = dict(stored)
    doc["title_exact"] = doc.get("title", "")
    doc["body_exact"] = doc.get("body", "")
    doc["duplicate_of"] = duplicate_of
    return doc


# ---------------------------------------------------------------- workers

class _Sink:
    """Extracts records and writes them into segments of one index (in a worker)."""

    def __init__(self, gen_dir: str, segment_postings: int):
        from marsad.index.extract import extract  # noqa: F401 - import once, before the first record
        self._extract = extract
        self.ix = windex.open_dir(gen_dir)
        self.pa = PairAnalyzer()
        self.limit = segment_postings
        self.fw: FastSegmentWriter | None = None
        self.segments: list[Any] = []
        self.added = 0
        self.errors: list[tuple[str, str, str]] = []  # (source_path, reason, detail)
        self.cpu = Counter()  # seconds of CPU per phase (extract, write, finish), for the benchmark

    def _writer(self) -> FastSegmentWriter:
        if self.fw is None:
            self.fw = FastSegmentWriter(self.ix, analyzer=self.pa)
        return self.fw

    def add_job(self, job: list[tuple]) -> None:
        # Extract the whole job, then add it: the CPU clock is read per phase of
        # a job, not per record (a process-CPU clock read is a system call).
        t = time.process_time()
        docs: list[tuple[dict[str, Any], str]] = []
        for kind, payload, h, dup, ingested in job:
            if kind == "record":
                where = payload.source_path or payload.id
            else:  # a ready document (a rewrite of duplicate_of)
                where = payload.get("source_path") or payload.get("id", "")
            try:
                docs.append((record_to_doc(self._extract(payload), h, dup, ingested) if kind == "record"
                             else payload, where))
            except Exception as exc:  # noqa: BLE001 - one bad record never stops the run
                self.errors.append((where, "error", f"{type(exc).__name__}: {exc}"))
        t1 = time.process_time()
        self.cpu["extract"] += t1 - t
        finishing = 0.0
        for doc, where in docs:
            try:
                self._writer().add(doc)
                self.added += 1
            except Exception as exc:  # noqa: BLE001
                self.errors.append((where, "error", f"{type(exc).__name__}: {exc}"))
            if self.fw is not None and self.fw.postings >= self.limit:
                t = time.process_time()
                self.segments.append(self.fw.finish())
                self.fw = None
                finishing += time.process_time() - t
        self.cpu["finish"] += finishing
        self.cpu["add"] += time.process_time() - t1 - finishing

    def finish(self) -> dict[str, Any]:
        t = time.process_time()
        if self.fw is not None and self.fw.docnum:
            self.segments.append(self.fw.finish())
        elif self.fw is not None:
            self.fw.cancel()
        self.fw = None
        self.cpu["finish"] += time.process_time() - t
        return {"segments": self.segments, "added": self.added, "errors": self.errors, "cpu": dict(self.cpu)}


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent: int) -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux ``prctl``).

    A build killed with SIGKILL runs no clean-up, so without this its workers
    would be left blocked on the job queue, holding deleted files. The
    parent-pid check after the call closes the race of a parent that died
    before it. Returns False where prctl is not available (the workers then
    notice the parent is gone by polling, within a second).
    """
    ok = False
    if sys.platform.startswith("linux"):
        import ctypes
        import signal
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            ok = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            ok = False
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    return ok


def _worker_main(gen_dir: str, jobs: Any, results: Any, segment_postings: int, close_fds: list[int],
                 parent: int | None = None) -> None:
    if parent is not None:
        die_with_parent(parent)
    for fd in close_fds:  # the parent's lock: its life must be the parent's only
        try:
            os.close(fd)
        except OSError:
            pass
    # the parent's pid comes from the parent: read here, it is already 1 if the parent was
    # killed between the fork and this line, and the orphan would then wait for jobs forever
    parent = parent or os.getppid()
    if os.getppid() != parent:
        return
    try:
        sink = _Sink(gen_dir, segment_postings)
        while True:
            try:
                job = jobs.get(timeout=1.0)
            except queue_mod.Empty:
                if os.getppid() != parent:  # the parent died (killed build): stop
                    return
                continue
            if job is None:
                break
            sink.add_job(job)
        results.put(("ok", sink.finish()))
    except BaseException:  # noqa: BLE001 - report, the parent decides
        results.put(("error", traceback.format_exc()))


class _Pool:
    """``procs`` worker processes fed through one bounded queue (or in-process for 1)."""

    def __init__(self, gen_dir: Path, procs: int, segment_postings: int, lock_fd: int | None):
        self.procs = procs
        self.inline = procs <= 1
        if self.inline:
            self.sink = _Sink(str(gen_dir), segment_postings)
            return
        ctx = mp.get_context("fork")
        self.jobs = ctx.Queue(maxsize=procs * QUEUE_PER_WORKER)
        self.results = ctx.Queue()
        fds = [lock_fd] if lock_fd is not None else []
        self.workers = [ctx.Process(target=_worker_main, daemon=True,
                                    args=(str(gen_dir), self.jobs, self.results, segment_postings, fds, os.getpid()))
                        for _ in range(procs)]
        for w in self.workers:
            w.start()

    def put(self, job: list[tuple]) -> None:
        if self.inline:
            self.sink.add_job(job)
            return
        while True:
            try:
                self.jobs.put(job, timeout=1.0)
                return
            except queue_mod.Full:
                self._check_alive()

    def _check_alive(self) -> None:
        for w in self.workers:
            if w.exitcode not in (None, 0):
                raise BuildError(f"an indexing worker died (exit code {w.exitcode})")

    def finish(self) -> list[dict[str, Any]]:
        if self.inline:
            return [self.sink.finish()]
        for _ in self.workers:
            self.jobs.put(None)
        out = []
        while len(out) < len(self.workers):
            try:
                status, payload = self.results.get(timeout=1.0)
            except queue_mod.Empty:
                self._check_alive()
                if all(w.exitcode is not None for w in self.workers) and self.results.empty():
                    raise BuildError("indexing workers exited without a result") from None
                continue
            if status != "ok":
                self.terminate()
                raise BuildError(f"an indexing worker failed:\n{payload}")
            out.append(payload)
        for w in self.workers:
            w.join(timeout=30)
        return out

    def terminate(self) -> None:
        if self.inline:
            if self.sink.fw is not None:
                self.sink.fw.cancel()
            return
        for w in self.workers:
            if w.is_alive():
                w.terminate()
        for w in self.workers:
            w.join(timeout=5)


# ---------------------------------------------------------------- progress

class _Progress:
    """A tqdm bar on a terminal, plain log lines every few seconds otherwise (stderr)."""

    def __init__(self, enabled: bool | None, total: int | None, desc: str):
        self.enabled = enabled is not False
        self.bar = None
        self.n = 0
        self.t0 = time.perf_counter()
        self.last = self.t0
        self.desc = desc
        if self.enabled and sys.stderr.isatty():
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=total, unit="rec", desc=desc, file=sys.stderr, smoothing=0.1)
            except ImportError:  # pragma: no cover
                self.bar = None

    def update(self, n: int = 1) -> None:
        self.n += n
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.perf_counter()
        if now - self.last >= 5.0:
            self.last = now
            rate = self.n / max(now - self.t0, 1e-9)
            print(f"{self.desc}: {self.n} records read, {rate:.0f}/s", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------- reading

def _reader(paths: Iterable[str | os.PathLike[str]], field_map: Any) -> Any:
    from marsad.index.sources import read_corpus
    return read_corpus([os.fspath(p) for p in paths], field_map=field_map)


def _record_skips(report: BuildReport, read_report: Any) -> None:
    report.skipped += read_report.records_skipped + read_report.files_skipped
    for k, v in read_report.reasons.items():
        report.skip_reasons[k] = report.skip_reasons.get(k, 0) + v
    for s in read_report.skipped[:MAX_LISTED_SKIPS]:
        report.skipped_items.append(str(s))
    rd = read_report.to_dict()
    rd.pop("skipped", None)
    rd.pop("warnings", None)
    report.read = rd


def _worker_errors(report: BuildReport, results: list[dict[str, Any]]) -> None:
    for res in results:
        for where, reason, detail in res["errors"]:
            report.skipped += 1
            report.skip_reasons[reason] = report.skip_reasons.get(reason, 0) + 1
            if len(report.skipped_items) < MAX_LISTED_SKIPS:
                report.skipped_items.append(f"{where}: {reason}: {detail}")


def _cpu(results: list[dict[str, Any]], read_cpu: float) -> dict[str, float]:
    out: Counter[str] = Counter()
    for r in results:
        out.update(r.get("cpu", {}))
    out["read+hash+dispatch"] = read_cpu
    return {k: round(v, 1) for k, v in out.items()}


def _near_duplicates(report: BuildReport, gen_dir: Path) -> None:
    """Cluster the new generation's rewritten copies (``index.neardup``) into its ``near.npy``."""
    t = time.process_time()
    with windex.open_dir(str(gen_dir)).reader() as r:
        readers = [leaf for leaf, _ in r.leaf_readers()]
        # (an empty index reads through a reader without a segment: no signatures)
        leaves = [(seg.segment_id() if (seg := leaf.segment()) is not None else "", leaf.doc_count_all())
                  for leaf in readers]
        live = np.zeros(r.doc_count_all(), dtype=bool)
        live[np.fromiter(r.all_doc_ids(), dtype=np.int64)] = True
        hashes = [hash_column(leaf) for leaf in readers]
        if hashes and all(h is not None for h in hashes):
            # exact copies stay out: their content hash groups them already (a search merges both
            # groupings), and every copy of a story syndicated a hundred times is a candidate in every band
            live &= neardup.copy_groups(np.concatenate(hashes), live) == np.arange(len(live))
    report.near_duplicates = neardup.write_clusters(gen_dir, leaves, live)
    report.cpu["near"] = round(report.cpu.get("near", 0.0) + time.process_time() - t, 2)


def _reader_arrays(report: BuildReport, gen_dir: Path) -> None:
    """Write the new generation's facet and grouping arrays (``index.readerarrays``):
    what a search would otherwise compute when it first opens the index."""
    t = time.process_time()
    readerarrays.write(gen_dir)
    report.cpu["arrays"] = round(report.cpu.get("arrays", 0.0) + time.process_time() - t, 2)


def _commit(ix: Any, writer: Any, results: list[dict[str, Any]], merge: bool) -> None:
    """Commit the worker segments (and the writer's deletions) as one new TOC."""
    segments = [s for res in results for s in res["segments"]]
    final = writer._merge_segments(MERGE_SMALL if merge else NO_MERGE, False, merge)  # noqa: SLF001
    if writer._added:  # noqa: SLF001 - the merge policy merged small segments into this writer
        final.append(writer._finalize_segment())  # noqa: SLF001
    else:
        writer._close_segment()  # noqa: SLF001
    writer._commit_toc(final + segments)  # noqa: SLF001
    writer._finish()  # noqa: SLF001


def _meta(report: BuildReport, paths: Iterable[Any], started: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        **versions(),
        "built": started,
        "updated": datetime.now().isoformat(timespec="seconds"),
        "documents": report.documents,
        "corpus_paths": [os.path.abspath(os.fspath(p)) for p in paths],
        "last_run": {k: getattr(report, k) for k in
                     ("action", "added", "updated", "unchanged", "deleted", "duplicates", "skipped", "seconds")},
        **extra,
    }


def _lock_fd(lock: IndexLock) -> int | None:
    f = getattr(lock, "_f", None)
    return f.fileno() if f is not None else None


def _finish_report(report: BuildReport, t0: float) -> None:
    report.seconds = round(time.perf_counter() - t0, 2)
    done = report.added + report.updated
    report.docs_per_second = round(done / report.seconds, 1) if report.seconds > 0 else 0.0


# ---------------------------------------------------------------- shrink guard

def _live_doc_count(root: Path) -> int | None:
    """Documents in the live index, or None when there is none or it cannot be read
    (a damaged or outdated index is what a rebuild is for: no ratio guard then)."""
    d = live_dir(root)
    if d is None:
        return None
    try:
        return windex.open_dir(str(d)).doc_count()
    except Exception:  # noqa: BLE001 - unreadable: fall back to what marsad.json says
        n = read_meta(d).get("documents")
        return n if isinstance(n, int) else None


def _found(report: BuildReport) -> str:
    rd = report.read or {}
    return (f"{rd.get('records', {}).get('read', 0)} records read from {rd.get('files', {}).get('read', 0)} "
            f"files, {report.skipped} skipped")


def _check_shrink(report: BuildReport, root: Path, paths: list[Any], live: int | None, would_have: int,
                  records: int, allow_shrink: bool, prune: bool = False) -> None:
    """Raise :class:`IndexShrink` if this run would empty the index or drop most of it."""
    if allow_shrink:
        return
    cmd = (f"marsad index {report.action} {shlex.join(os.fspath(p) for p in paths)} --index {shlex.quote(str(root))}"
           + (" --prune" if prune else "") + " --allow-shrink")
    what = "rebuild" if report.action == "build" else "prune"
    if records == 0:
        where = f"the index at {root} ({live} documents) was left as it was" if live else \
            f"nothing was written to {root}"
        raise IndexShrink(
            f"the input yielded no records ({_found(report)}): {where}; check the paths "
            f"(a typo or an unmounted disk?), or to write an empty index run `{cmd}`",
            live=live, would_have=would_have, records=records)
    if live and would_have < live * MIN_KEEP_RATIO:
        raise IndexShrink(
            f"this {what} would shrink the index at {root} from {live} to {would_have} documents "
            f"(below {MIN_KEEP_RATIO:.0%}; {_found(report)}), so it was left as it was; check the paths, "
            f"or if you mean it run `{cmd}`",
            live=live, would_have=would_have, records=records)


# ---------------------------------------------------------------- build

def _start(action: str, paths: Any, index_dir: Any, procs: int | None
           ) -> tuple[list[Any], Path, float, str, BuildReport]:
    """What build and update begin with: paths as a list, the root, clocks, the report."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    root = resolve_index_dir(index_dir)
    report = BuildReport(action=action, index_dir=str(root), procs=max(1, int(procs or DEFAULT_PROCS)))
    return list(paths), root, time.perf_counter(), datetime.now().isoformat(timespec="seconds"), report


def build_index(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    index_dir: str | os.PathLike[str] | None = None,
    *,
    procs: int | None = None,
    field_map: Any = None,
    strict: bool = False,
    progress: bool | None = None,
    segment_postings: int = SEGMENT_POSTINGS,
    keep_previous: bool = True,
    allow_shrink: bool = False,
) -> BuildReport:
    """Build a new index from ``paths`` and swap it in atomically.

    ``procs``: worker processes (default: all cores). ``field_map``: passed to
    ``index.sources.read_corpus``. ``strict``: if anything was skipped, raise
    :class:`BuildError` and leave the live index as it was. ``progress``: None =
    a bar on a terminal, log lines otherwise; False = silent. ``allow_shrink``:
    without it, :class:`IndexShrink` is raised (live index untouched) when the
    input yields no records or the new index would hold fewer than
    ``MIN_KEEP_RATIO`` of the live one's documents.

    >>> build_index(["../shared/corpus/seeds"], "/tmp/ix", procs=1, progress=False).added  # doctest: +SKIP
    5
    """
    paths, root, t0, started, report = _start("build", paths, index_dir, procs)
    procs = report.procs
    if os.path.lexists(root) and not root.is_dir():
        raise BuildError(str(diagnose(root)))  # a file where the index folder should be
    if (root / "CURRENT").is_dir():  # publish could not replace it; it is not ours to delete
        raise BuildError(f"{root / 'CURRENT'} is a directory, not the pointer file an index keeps there; "
                         f"move it away, then run the command again")
    with IndexLock(root, "build") as lock:
        previous = current_generation(root) if live_dir(root) is not None else None
        live_docs = _live_doc_count(root)
        cleanup(root, generations=False)  # stale tmp- dirs of killed runs
        tmp = new_generation_dir(root)
        try:
            ix = windex.create_in(str(tmp), build_schema())
            # holds Whoosh's own lock inside tmp; writes no documents
            writer = ix.writer(codec=make_codec(), compound=False)
            pool = _Pool(tmp, procs, segment_postings, _lock_fd(lock))
            prog = _Progress(progress, None, "indexing")
            try:
                read_cpu = time.process_time()
                reader = _reader(paths, field_map)
                first: dict[str, str] = {}
                batch: list[tuple] = []
                for rec in reader:
                    h = content_hash(rec.title or "", rec.body or "")
                    canon = first.setdefault(h, rec.id)
                    dup = "" if canon == rec.id else canon
                    report.duplicates += bool(dup)
                    batch.append(("record", rec, h, dup, started))
                    if len(batch) >= BATCH:
                        pool.put(batch)
                        batch = []
                    prog.update()
                if batch:
                    pool.put(batch)
                read_cpu = time.process_time() - read_cpu
                results = pool.finish()
            except BaseException:
                pool.terminate()
                writer.cancel()
                raise
            finally:
                prog.close()
            _record_skips(report, reader.report)
            _worker_errors(report, results)
            report.added = sum(r["added"] for r in results)
            report.cpu = _cpu(results, read_cpu)
            if strict and report.skipped:
                writer.cancel()
                raise BuildError(_strict_message(report, root))
            try:
                _check_shrink(report, root, paths, live_docs, report.added, reader.report.records_read,
                              allow_shrink)
            except IndexShrink:
                writer.cancel()
                raise
            _commit(ix, writer, results, merge=False)
            _near_duplicates(report, tmp)
            _reader_arrays(report, tmp)
            report.documents = windex.open_dir(str(tmp)).doc_count()
            _finish_report(report, t0)
            write_meta(tmp, _meta(report, paths, started, {"procs": procs, "files": file_sizes(tmp)}))
            report.generation = publish(root, tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        cleanup(root, keep_previous=previous if keep_previous else None)
    _finish_report(report, t0)
    return report


def _strict_message(report: BuildReport, root: Path) -> str:
    lines = [f"--strict: {report.skipped} input(s) skipped, the index at {root} was left as it was:"]
    lines += [f"  {s}" for s in report.skipped_items[:20]]
    lines.append("fix or remove those inputs (or run without --strict), then run the command again")
    return "\n".join(lines)


# ---------------------------------------------------------------- update

def _link_generation(src: Path, dst: Path) -> None:
    """Make ``dst`` a copy of the index in ``src`` (hard links: segment files never change)."""
    for e in os.scandir(src):
        if not e.is_file(follow_symlinks=False) or e.name.endswith(".lock"):
            continue
        target = dst / e.name
        try:
            os.link(e.path, target)
        except OSError:
            shutil.copy2(e.path, target)


def _existing(ix: Any) -> list[tuple[int, dict[str, Any]]]:
    """(docnum, stored fields) of the live documents, in docnum order."""
    out = []
    with ix.reader() as r:
        for docnum, stored in r.iter_docs():
            out.append((docnum, stored))
    return out


def update_index(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    index_dir: str | os.PathLike[str] | None = None,
    *,
    prune: bool = False,
    procs: int | None = None,
    field_map: Any = None,
    strict: bool = False,
    progress: bool | None = None,
    segment_postings: int = SEGMENT_POSTINGS,
    allow_shrink: bool = False,
) -> BuildReport:
    """Bring the live index in line with ``paths``, incrementally.

    New ids are added, changed ones (same id, other content hash) replaced,
    unchanged ones skipped; with ``prune`` documents whose ``source_path`` no
    longer comes out of ``paths`` are deleted. ``duplicate_of`` is kept
    consistent: the first document of a content hash (existing ones in index
    order, then new ones in read order) is the original. Nothing to do means
    nothing written (the generation stays the same). With ``prune`` and without
    ``allow_shrink``, :class:`IndexShrink` is raised (nothing written) when the
    input yields no records or fewer than ``MIN_KEEP_RATIO`` of the live
    documents would remain.
    """
    paths, root, t0, started, report = _start("update", paths, index_dir, procs)
    procs = report.procs
    if live_dir(root) is None:  # before the lock: it would create the folder (or trip on a file there)
        raise diagnose(root)
    with IndexLock(root, "update") as lock:
        live_ix = open_index(root)  # missing, damaged, foreign or outdated: the error says what to run
        live = live_dir(root)
        meta = read_meta(live)
        previous = current_generation(root)
        cleanup(root, generations=False)

        with reading(root):
            existing = _existing(live_ix)
        by_id = {s.get("id"): (docnum, s) for docnum, s in existing}

        # Read everything first (records are needed only for the new/changed ones).
        reader = _reader(paths, field_map)
        prog = _Progress(progress, None, "updating")
        todo: list[tuple[Record, str]] = []
        seen_ids: set[str] = set()
        seen_paths: set[str] = set()
        for rec in reader:
            prog.update()
            seen_ids.add(rec.id)
            seen_paths.add(rec.source_path)
            h = content_hash(rec.title or "", rec.body or "")
            old = by_id.get(rec.id)
            if old is None:
                todo.append((rec, h))
                report.added += 1
            elif old[1].get("content_hash") != h:
                todo.append((rec, h))
                report.updated += 1
            else:
                report.unchanged += 1
        prog.close()
        _record_skips(report, reader.report)
        if strict and report.skipped:
            raise BuildError(_strict_message(report, root))

        replaced = {rec.id for rec, _ in todo if rec.id in by_id}
        pruned = set()
        if prune:
            pruned = {i for i, (_, s) in by_id.items()
                      if i not in seen_ids and s.get("source_path", "") not in seen_paths}
        report.deleted = len(pruned)
        if prune:
            _check_shrink(report, root, paths, len(existing), len(existing) - len(pruned) + report.added,
                          reader.report.records_read, allow_shrink, prune=True)

        # duplicate_of over the final set: surviving documents in index order, then new ones.
        first: dict[str, str] = {}
        survivors = [(d, s) for d, s in existing if s.get("id") not in replaced and s.get("id") not in pruned]
        rewrites: list[dict[str, Any]] = []
        for _, s in survivors:
            canon = first.setdefault(s.get("content_hash", ""), s.get("id"))
            want = "" if canon == s.get("id") else canon
            if (s.get("duplicate_of") or "") != want:
                rewrites.append(_doc_from_stored(s, want))
        jobs: list[tuple] = []
        for rec, h in todo:
            canon = first.setdefault(h, rec.id)
            jobs.append(("record", rec, h, "" if canon == rec.id else canon, started))
        report.duplicates = sum(1 for i, c in _dup_pairs(first, survivors, jobs) if c)

        if not todo and not pruned and not rewrites:
            # nothing to write; still remove what a killed run left behind
            cleanup(root, keep_previous=newest_other_generation(root))
            report.documents = live_ix.doc_count()
            report.generation = previous
            _finish_report(report, t0)
            return report

        tmp = new_generation_dir(root)
        try:
            _link_generation(live, tmp)
            ix = windex.open_dir(str(tmp))
            # merged segments too in Marsad's codec, as plain files (memory-mapped, not a compound file)
            writer = ix.writer(codec=make_codec(), compound=False)
            for doc_id in replaced | pruned | {d["id"] for d in rewrites}:
                writer.delete_by_term("id", doc_id)
            pool = _Pool(tmp, min(procs, max(1, len(jobs) // BATCH)), segment_postings, _lock_fd(lock))
            try:
                for i in range(0, len(jobs), BATCH):
                    pool.put(jobs[i:i + BATCH])
                for i in range(0, len(rewrites), BATCH):
                    pool.put([("doc", d, d["content_hash"], d["duplicate_of"], started)
                              for d in rewrites[i:i + BATCH]])
                results = pool.finish()
            except BaseException:
                pool.terminate()
                writer.cancel()
                raise
            _worker_errors(report, results)
            if strict and report.skipped:
                writer.cancel()
                raise BuildError(_strict_message(report, root))
            _commit(ix, writer, results, merge=True)
            _near_duplicates(report, tmp)
            _reader_arrays(report, tmp)
            report.documents = windex.open_dir(str(tmp)).doc_count()
            _finish_report(report, t0)
            new_meta = dict(meta)
            new_meta.update(_meta(report, paths, meta.get("built", started), {"procs": procs}))
            new_meta["corpus_paths"] = sorted(set(meta.get("corpus_paths", [])) | set(new_meta["corpus_paths"]))
            new_meta["files"] = file_sizes(tmp)
            write_meta(tmp, new_meta)
            report.generation = publish(root, tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        cleanup(root, keep_previous=previous)
    _finish_report(report, t0)
    return report


def _dup_pairs(first: dict[str, str], survivors: list, jobs: list) -> Iterator[tuple[str, bool]]:
    for _, s in survivors:
        yield s.get("id"), first.get(s.get("content_hash", "")) != s.get("id")
    for _, rec, _h, dup, _ in jobs:
        yield rec.id, bool(dup)


# ---------------------------------------------------------------- open / stats

def open_index(index_dir: str | os.PathLike[str] | None = None) -> Any:
    """The live Whoosh index under ``index_dir`` (resolved like the CLI does).

    Raises :class:`IndexMissing` (an ``IndexError``) when there is none and
    :class:`IndexVersionMismatch` when it was written by an incompatible schema
    or analyzer version; both messages say which command to run.
    """
    root = resolve_index_dir(index_dir)
    d = live_dir(root)
    if d is None:
        raise diagnose(root)
    meta = read_meta(d)
    if not meta:
        raise IndexVersionMismatch(f"the index at {root} has no Marsad metadata (marsad.json): "
                                   f"it was not built by `marsad index build`; rebuild it: {build_hint(root)}")
    check_versions(meta, root)
    check_files(meta, d, root)
    with reading(root, "cannot be opened"):
        return windex.open_dir(str(d))


@contextmanager
def reading(root: str | os.PathLike[str], what: str = "could not be read",
            keep: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Turn any failure while reading the index at ``root`` into :class:`IndexDamaged`.

    Whoosh meets a garbled or truncated segment file as whatever the bytes
    trip first (zlib.error, struct.error, pickle errors, OSError, plain
    Exception): no narrower net catches them all, so the boundaries that read
    an index (open, stats, update, search from the CLI, the web's health
    check) wrap their reads in this and say "rebuild". Marsad's own typed
    errors, and the ``keep`` types (e.g. the caller's request errors), pass
    through unchanged.
    """
    try:
        yield
    except (IndexMissing, BuildError, IndexLocked, *keep):
        raise
    except Exception as exc:  # noqa: BLE001 - see above: damage surfaces as any exception type
        detail = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        detail = " ".join(detail.split())[:200]
        raise IndexDamaged(f"the index at {root} {what} ({detail}): it looks damaged; "
                           f"rebuild it: {build_hint(root)}") from exc


def _dir_size(d: Path) -> int:
    total = 0
    for e in os.scandir(d):
        if e.is_file(follow_symlinks=False):
            total += e.stat(follow_symlinks=False).st_size
        elif e.is_dir(follow_symlinks=False):  # the reader arrays (arrays/)
            total += _dir_size(Path(e.path))
    return total


def index_stats(index_dir: str | os.PathLike[str] | None = None, *, top: int = 10) -> dict[str, Any]:
    """Documents, date range, top values and unknown count per facet, size, versions.

    The JSON of ``marsad index stats --json``: at least ``documents`` and
    ``facets`` (``{facet: [{"value", "count"}]}``, facets outlet/province/actor/date,
    the date facet by year).
    """
    root = resolve_index_dir(index_dir)
    ix = open_index(root)
    d = live_dir(root)
    meta = read_meta(d) if d else {}
    with reading(root):
        return _stats(ix, root, d, meta, top)


def _stats(ix: Any, root: Path, d: Path | None, meta: dict[str, Any], top: int) -> dict[str, Any]:
    facets: dict[str, list[dict[str, Any]]] = {}
    unknown: dict[str, int] = {}
    distinct: dict[str, int] = {}
    with ix.reader() as r:
        n = r.doc_count()
        for facet, fieldname in FACET_FIELDS.items():
            if facet == "date":
                continue
            counts: Counter[str] = Counter()
            has = set()
            for tb in r.lexicon(fieldname):
                ids = [i for i in r.postings(fieldname, tb).all_ids() if not r.is_deleted(i)]
                if ids:
                    counts[tb.decode("utf-8")] = len(ids)
                    has.update(ids)
            facets[facet] = [{"value": v, "count": c} for v, c in counts.most_common(top)]
            unknown[facet] = n - len(has)
            distinct[facet] = len(counts)
        years: Counter[str] = Counter()
        dmin = dmax = None
        known = 0
        for _docnum, stored in r.iter_docs():
            dt = stored.get("date")
            if dt is None:
                continue
            known += 1
            years[f"{dt.year:04d}"] += 1
            dmin = dt if dmin is None or dt < dmin else dmin
            dmax = dt if dmax is None or dt > dmax else dmax
        facets["date"] = [{"value": y, "count": c} for y, c in sorted(years.items())]
        unknown["date"] = n - known
        distinct["date"] = len(years)
        dups = sum(1 for _ in _nonempty(r, "duplicate_of"))
        segments = len(r.leaf_readers()) if hasattr(r, "leaf_readers") else 1
    return {
        "documents": n,
        "duplicates": dups,
        "date_range": {"from": dmin.date().isoformat() if dmin else None,
                       "to": dmax.date().isoformat() if dmax else None},
        "facets": facets,
        "unknown": unknown,
        "distinct": distinct,
        "size_bytes": _dir_size(d) if d else 0,
        "segments": segments,
        "generation": current_generation(root),
        "index_dir": str(root),
        "versions": {k: meta.get(k) for k in versions()},
        "built": meta.get("built"),
        "updated": meta.get("updated"),
        "corpus_paths": meta.get("corpus_paths", []),
    }


def _nonempty(r: Any, fieldname: str) -> Iterator[int]:
    for tb in r.lexicon(fieldname):
        if tb:
            for i in r.postings(fieldname, tb).all_ids():
                if not r.is_deleted(i):
                    yield i
