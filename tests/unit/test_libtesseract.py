"""Tesseract in the reading process (libtesseract's C API) against the tesseract program.

The same pictures go to both: the in-process reading must be the program's, byte for byte, with
the models loaded once per process, a forked child loading its own, tesseract's deadline turned
into our timeout, and the program still used where the library cannot serve.
"""

from __future__ import annotations

import io
import multiprocessing
from pathlib import Path

import pytest
from PIL import Image

from intake import libtesseract
from intake.errors import OcrTimeout, OcrUnavailable
from intake.ocr import OcrOptions, ocr_picture, run_in_process, run_tesseract
from tests.unit.test_ocr import image_with_text

pytestmark = pytest.mark.skipif(not libtesseract.available(), reason="libtesseract.so.5 is not installed")

ENG = OcrOptions(languages="eng")
LINES = ["INVOICE 4711", "Total 99.50 EUR", "Due 2026-12-31"]


def picture(mode: str = "L") -> Image.Image:
    return Image.open(io.BytesIO(image_with_text(LINES, mode=mode))).convert(mode)


@pytest.mark.parametrize(("mode", "psm", "dpi"), [("L", 3, None), ("L", 6, 150), ("RGB", 3, 150), ("1", 6, None)])
def test_the_in_process_reading_is_the_programs_tsv_byte_for_byte(
    tmp_path: Path, mode: str, psm: int, dpi: int | None
) -> None:
    image = picture(mode)
    options = OcrOptions(languages="eng", psm=psm)
    path = tmp_path / "page.pnm"
    image.save(path, format="PPM")

    in_process = run_in_process(image, options, dpi=dpi)

    assert in_process == run_tesseract(path, options, dpi=dpi)
    assert "INVOICE" in in_process and "99.50" in in_process


def test_a_process_loads_a_language_sets_models_once(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []
    real_init = libtesseract.Tesseract.__init__

    def counting_init(self: libtesseract.Tesseract, languages: str) -> None:
        loaded.append(languages)
        real_init(self, languages)

    monkeypatch.setattr(libtesseract.Tesseract, "__init__", counting_init)
    options = OcrOptions(languages="eng+dan")

    for _ in range(3):
        run_in_process(picture(), options)

    assert loaded.count("eng+dan") <= 1
    assert libtesseract.idle_count("eng+dan") == 1


def _child_reading(queue: multiprocessing.Queue) -> None:
    inherited = libtesseract.idle_count("eng")
    words = [w.text for w in ocr_picture(picture(), Path("/nonexistent/page.pnm"), ENG)]
    queue.put((inherited, words, libtesseract.idle_count("eng")))


def test_a_forked_child_loads_its_own_models_and_reads() -> None:
    """GIVEN a process whose API for 'eng' is loaded WHEN it forks THEN the child does not use the
    parent's (tesseract is no library to share across a fork) and reads with its own."""
    run_in_process(picture(), ENG)
    assert libtesseract.idle_count("eng") >= 1
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_reading, args=(queue,))
    child.start()
    inherited, words, after = queue.get(timeout=60)
    child.join(timeout=60)

    assert inherited == 0
    assert words[:2] == ["INVOICE", "4711"]
    assert after == 1
    assert child.exitcode == 0


def test_a_missing_language_names_the_language_pack(tmp_path: Path) -> None:
    with pytest.raises(OcrUnavailable, match="apt-get install tesseract-ocr-xyz"):
        ocr_picture(picture(), tmp_path / "page.pnm", OcrOptions(languages="xyz"))
    assert libtesseract.idle_count("xyz") == 0


def test_reading_past_the_timeout_is_stopped_by_tesseracts_deadline(tmp_path: Path) -> None:
    with pytest.raises(OcrTimeout, match="longer than"):
        ocr_picture(picture(), tmp_path / "page.pnm", OcrOptions(languages="eng", timeout=0.001))

    # The API is whole after a cancelled page: the next picture reads.
    assert [w.text for w in ocr_picture(picture(), tmp_path / "page.pnm", ENG)][:2] == ["INVOICE", "4711"]


def test_tesseracts_messages_stay_out_of_the_log(capfd: pytest.CaptureFixture[str]) -> None:
    """A picture without a resolution makes tesseract print 'Estimating resolution as ...'."""
    run_in_process(picture(), OcrOptions(languages="eng+fra"))

    assert "Estimating resolution" not in capfd.readouterr().err


def test_another_tesseract_program_is_run_rather_than_the_library(tmp_path: Path) -> None:
    options = OcrOptions(languages="eng", command=str(tmp_path / "my-tesseract"))

    with pytest.raises(OcrUnavailable, match="is not installed"):
        ocr_picture(picture(), tmp_path / "page.pnm", options)
    assert (tmp_path / "page.pnm").exists()


def test_without_the_library_the_program_reads_the_picture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(libtesseract, "available", lambda: False)

    words = ocr_picture(picture(), tmp_path / "page.pnm", ENG)

    assert [w.text for w in words][:2] == ["INVOICE", "4711"]
    assert (tmp_path / "page.pnm").exists()
