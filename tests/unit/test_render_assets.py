"""The URL fetcher WeasyPrint renders invoices with: bundled files and data: pictures, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from invoicing.render.pdf import AssetRefused, BundledAssets


@pytest.fixture
def assets(tmp_path: Path) -> tuple[BundledAssets, Path]:
    folder = tmp_path / "templates"
    (folder / "invoice").mkdir(parents=True)
    (folder / "invoice" / "stamp.png").write_bytes(b"png")
    (tmp_path / "logo.png").write_bytes(b"logo")
    (tmp_path / "secret.txt").write_text("secret")
    (folder / "invoice" / "link.txt").symlink_to(tmp_path / "secret.txt")
    return BundledAssets((folder,), (tmp_path / "logo.png",)), tmp_path


def test_files_in_the_template_folders_and_the_logo_are_served(assets: tuple[BundledAssets, Path]) -> None:
    """GIVEN a template folder and a logo WHEN WeasyPrint asks for them THEN their bytes come back."""
    fetcher, root = assets
    assert fetcher.fetch(f"file://{root}/templates/invoice/stamp.png").read() == b"png"
    assert fetcher.fetch(f"file://localhost{root}/logo.png").read() == b"logo"
    assert fetcher.fetch("data:image/png;base64,cG5n").read() == b"png"
    assert fetcher.refused == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://{root}/secret.txt",
        "file://{root}/templates/invoice/../../secret.txt",
        "file://{root}/templates/invoice/link.txt",
        "file://otherhost{root}/logo.png",
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.css",
        "ftp://example.com/x",
        "data:text/html,<script>alert(1)</script>",
    ],
    ids=["system file", "beside the folder", "dot-dot", "symlink out", "remote host", "http", "https",
         "ftp", "data html"],  # fmt: skip
)
def test_everything_else_is_refused(assets: tuple[BundledAssets, Path], url: str) -> None:
    """GIVEN any other URL (system files, paths leaving the folder, the network, other data) WHEN
    asked for THEN it is refused and recorded."""
    fetcher, root = assets
    with pytest.raises(AssetRefused):
        fetcher.fetch(url.format(root=root))
    assert fetcher.refused == [url.format(root=root)]
