"""Upload files the tests throw at the studio: encoded images, and a PNG that claims to be enormous."""
from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def png_bytes(image: Image.Image, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=kwargs.pop("format", "PNG"), **kwargs)
    return buffer.getvalue()


def huge_png_header(width: int, height: int, **kwargs) -> bytes:
    """A valid PNG signature and IHDR claiming a huge image: what a decompression bomb looks like to a reader.

    kwargs go to PIL's save (for example a pnginfo with settings text, written before the image data)."""
    data = bytearray(png_bytes(Image.new("L", (1, 1)), **kwargs))
    ihdr = bytearray(data[16:29])
    ihdr[0:8] = struct.pack(">II", width, height)
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    return bytes(data)
