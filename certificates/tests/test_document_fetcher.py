"""Documents fetch nothing but the shipped fonts and their inline QR code."""

import base64
import io

import pytest
from PIL import Image

from certificates import documents


def fetcher():
    documents._font_config()
    return documents._local.url_fetcher


def test_the_qr_data_uri_is_decoded_without_urllib():
    uri = documents.qr_data_uri("https://meritsys.example/v/ABC/")
    response = fetcher().fetch(uri)
    assert response.content_type == "image/png"
    image = Image.open(io.BytesIO(response.read()))
    assert image.mode == "L" and image.size[0] == image.size[1] >= 25
    assert response.read() == b""  # one body, read once
    assert base64.b64decode(uri.split(",", 1)[1]).startswith(b"\x89PNG")


def test_network_urls_are_refused():
    for url in ("http://127.0.0.1:9/x.png", "https://example.org/x.css", "ftp://example.org/x"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher().fetch(url)


def test_the_shipped_fonts_still_load():
    font = (documents.FONTS_DIR / "DejaVuSerif.ttf").as_uri()
    assert fetcher().fetch(font).read(4) == b"\x00\x01\x00\x00"
