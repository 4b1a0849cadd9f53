"""Tesseract inside the reading process, through libtesseract's C API, its models loaded once.

The `tesseract` program loads its language models for every picture it reads (0.2 s of CPU for
eng+deu+fra+dan, a sixth of reading a receipt) and decodes the picture file it is given. The
reading processes (`intake.workers`) live for many documents, so each keeps its `TessBaseAPI`
objects, one per language set, and hands them the prepared pictures' pixels. It is the library
the program runs, with the same parameters: the TSV is byte for byte what
`tesseract IMG stdout --psm N [--dpi D] tsv` prints, at about a quarter less CPU on the corpus
pictures (`python -m bench.throughput --only ocr`).

Containment stays the reading process's (`intake.sandbox`): a crash or a runaway page costs that
child, as it cost the subprocess before; the per-page timeout is tesseract's own deadline (its
`ETEXT_DESC` monitor), checked between words. Tesseract's messages ("Estimating resolution as
...") go to /dev/null rather than to the service's log.

`available()` is False where the library cannot be loaded (a system without libtesseract.so.5);
`intake.ocr` then runs the program through pytesseract.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

#: The header line the tesseract program prints above its TSV (the library gives the rows only).
TSV_HEADER = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num"
    "\tleft\ttop\twidth\theight\tconf\ttext\n"
)
_SONAME = "libtesseract.so.5"
_BYTES_PER_PIXEL = {"L": 1, "RGB": 3}
_MAX_DEADLINE_MS = 2**31 - 1


class InitFailed(Exception):
    """Tesseract could not load the language data asked for."""


class Cancelled(Exception):
    """Recognition passed its deadline and was stopped."""


class RecognitionFailed(Exception):
    """Tesseract recognised nothing for a reason other than its deadline."""


@cache
def _library() -> ctypes.CDLL | None:
    """Return libtesseract with the C functions we call typed, or None when it cannot be loaded."""
    # Tesseract's OpenMP threads would only fight the other reading processes over the cores:
    # libgomp reads the limit once, when it is loaded with libtesseract.
    os.environ["OMP_THREAD_LIMIT"] = "1"
    # The usual name first: `find_library` runs `ldconfig -p` to look it up.
    lib = _loaded(_SONAME) or _loaded(ctypes.util.find_library("tesseract"))
    if lib is None:
        log.info("libtesseract cannot be loaded; OCR runs the tesseract program")
        return None
    handle, text = ctypes.c_void_p, ctypes.c_char_p
    signatures = {
        "TessBaseAPICreate": ([], handle),
        "TessBaseAPIInit3": ([handle, text, text], ctypes.c_int),
        "TessBaseAPISetVariable": ([handle, text, text], ctypes.c_int),
        "TessBaseAPISetPageSegMode": ([handle, ctypes.c_int], None),
        "TessBaseAPISetImage": ([handle, text] + [ctypes.c_int] * 4, None),
        "TessBaseAPIRecognize": ([handle, handle], ctypes.c_int),
        "TessBaseAPIGetTsvText": ([handle, ctypes.c_int], handle),
        "TessBaseAPIClear": ([handle], None),
        "TessBaseAPIEnd": ([handle], None),
        "TessBaseAPIDelete": ([handle], None),
        "TessDeleteText": ([handle], None),
        "TessMonitorCreate": ([], handle),
        "TessMonitorSetDeadlineMSecs": ([handle, ctypes.c_int], None),
        "TessMonitorDelete": ([handle], None),
    }
    for name, (arguments, result) in signatures.items():
        function = getattr(lib, name)
        function.argtypes, function.restype = arguments, result
    return lib


def _loaded(name: str | None) -> ctypes.CDLL | None:
    """Return the shared library `name`, or None when there is none or it cannot be loaded."""
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def available() -> bool:
    """Return whether tesseract can run in this process (libtesseract loads)."""
    return _library() is not None


class Tesseract:
    """One `TessBaseAPI` with a language set's models loaded; one picture at a time."""

    def __init__(self, languages: str) -> None:
        lib = _library()
        if lib is None:
            raise InitFailed("libtesseract cannot be loaded")
        self._lib = lib
        self.pid = os.getpid()
        self._api = lib.TessBaseAPICreate()
        lib.TessBaseAPISetVariable(self._api, b"debug_file", os.devnull.encode())
        if lib.TessBaseAPIInit3(self._api, None, languages.encode()) != 0:
            self.close()
            raise InitFailed(f"tesseract has no language data for '{languages}'")

    def tsv(self, image: Image.Image, *, psm: int, dpi: int | None, timeout: float) -> str:
        """Return the TSV the tesseract program prints for the picture (grey or RGB), header
        line included; raise `Cancelled` after `timeout` seconds, `RecognitionFailed` if it
        recognises nothing for another reason."""
        lib, api = self._lib, self._api
        pixels = image.tobytes()
        bytes_per_pixel = _BYTES_PER_PIXEL[image.mode]
        lib.TessBaseAPISetPageSegMode(api, psm)
        # What `--dpi` sets; 0 lets tesseract estimate the resolution, as it does for a PNM file.
        lib.TessBaseAPISetVariable(api, b"user_defined_dpi", str(dpi or 0).encode())
        lib.TessBaseAPISetImage(
            api, pixels, image.width, image.height, bytes_per_pixel, image.width * bytes_per_pixel
        )
        monitor = lib.TessMonitorCreate()
        lib.TessMonitorSetDeadlineMSecs(monitor, min(max(1, round(timeout * 1000)), _MAX_DEADLINE_MS))
        started = time.monotonic()
        try:
            if lib.TessBaseAPIRecognize(api, monitor) != 0:
                raise Cancelled() if time.monotonic() - started >= timeout else RecognitionFailed()
            rows = lib.TessBaseAPIGetTsvText(api, 0)
            if not rows:
                raise RecognitionFailed()
            try:
                return TSV_HEADER + ctypes.string_at(rows).decode("utf-8", errors="replace")
            finally:
                lib.TessDeleteText(rows)
        finally:
            lib.TessMonitorDelete(monitor)
            lib.TessBaseAPIClear(api)

    def close(self) -> None:
        """Free the models (never for an object inherited from the process this one forked from)."""
        if self._api and self.pid == os.getpid():
            self._lib.TessBaseAPIEnd(self._api)
            self._lib.TessBaseAPIDelete(self._api)
        self._api = None


#: Loaded APIs not in use, by language set. A thread borrows one (or loads a new one) for a
#: picture, so threads reading at once never share one and each process loads a set once.
_idle: dict[str, list[Tesseract]] = {}
_idle_lock = threading.Lock()


@contextmanager
def borrowed(languages: str) -> Iterator[Tesseract]:
    """Lend a `Tesseract` for `languages`, loading its models only if none is idle."""
    with _idle_lock:
        idle = _idle.setdefault(languages, [])
        tesseract = idle.pop() if idle else None
    if tesseract is None:
        tesseract = Tesseract(languages)
    try:
        yield tesseract
    finally:
        with _idle_lock:
            _idle.setdefault(languages, []).append(tesseract)


def idle_count(languages: str) -> int:
    """Return how many loaded APIs for `languages` wait in this process."""
    with _idle_lock:
        return len(_idle.get(languages, ()))


def _forget_inherited() -> None:
    """In a forked child: drop the parent's APIs (and a lock a parent's thread may have held)."""
    global _idle_lock
    _idle.clear()
    _idle_lock = threading.Lock()


@atexit.register
def _close_all() -> None:
    """Free the models at exit: tesseract reports every cached model still held as a leak."""
    with _idle_lock:
        for tesseracts in _idle.values():
            for tesseract in tesseracts:
                tesseract.close()
        _idle.clear()


os.register_at_fork(after_in_child=_forget_inherited)
