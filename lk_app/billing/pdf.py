"""A small PDF writer for bills: one A4 page of text in an embedded TrueType font, rules, boxes and a QR code.

A mailing makes a hundred thousand bills in a row. A general PDF library subsets and compresses the font again
for every document, which costs more than everything else a bill needs; here the font is cut down once per
process to the letters a Russian bill can hold, its PDF objects are written once, and each document adds only its
page. Text is laid out left to right without kerning or shaping, which Cyrillic and Latin do not need.
"""

import io
import zlib
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89  # A4 in points
# Every Cyrillic letter (surnames from all over Russia), Latin with Latin-1, dashes, quotes, «№», «₽» and «−».
REPERTOIRE = frozenset(chain(range(0x20, 0x7F), range(0xA0, 0x100), range(0x400, 0x500), range(0x2010, 0x2028),
                             (0x2116, 0x20BD, 0x2212)))
FALLBACK = "?"  # stands in for a character outside the repertoire
_SUBSET_TAG = "LKEPDA"  # the six capitals that mark an embedded subset in the font's PDF name
_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
# Object numbers: the font's come first, so their offsets are the same in every document.
_TYPE0, _CID_FONT, _DESCRIPTOR, _FONT_FILE, _TO_UNICODE, _CATALOG, _PAGES, _PAGE, _CONTENT, _INFO, _MODULES = range(1, 12)


class FontMissing(RuntimeError):
    """The bill font is not installed; the message says how to install it."""


class _ByCodePoint(dict):
    """A table by code point that answers for a character outside it as for FALLBACK (str.translate and map use it
    at C speed, which matters a hundred thousand bills in a row)."""

    def __missing__(self, code: int):
        return self[ord(FALLBACK)]


@dataclass(frozen=True)
class EmbeddedFont:
    """A font cut down to REPERTOIRE, with its PDF objects written out once."""

    glyph_ids: dict[int, int]  # code point → glyph id
    hex_ids: _ByCodePoint  # code point → its glyph id as four hex digits
    advances: _ByCodePoint  # code point → advance, in thousandths of the font size
    objects: bytes  # the PDF objects _TYPE0 … _TO_UNICODE, right after the header
    offsets: tuple[int, ...]  # where each of them starts in the file

    def width(self, text: str, size: float) -> float:
        """How wide `text` is at `size` points."""
        return sum(map(self.advances.__getitem__, map(ord, text))) * size / 1000

    def encode(self, text: str) -> str:
        """The text as a hex string of two-byte glyph ids (Identity-H)."""
        return text.translate(self.hex_ids)


@lru_cache
def embedded_font(path: str) -> EmbeddedFont:
    """Read the font at `path`, cut it down and write its PDF objects (a fraction of a second, once per process)."""
    if not Path(path).is_file():
        raise FontMissing(
            f"The bill font {path} is missing: run scripts/setup.sh, or `apt-get install fonts-dejavu-core`, "
            "or point LK_BILL_FONT at a TrueType font with Cyrillic."
        )
    font = TTFont(path)
    options = subset.Options()
    options.hinting = False  # hints only help screens at tiny sizes, and make up half of DejaVu's bytes
    options.layout_features = []
    options.drop_tables += ["GPOS", "GSUB", "GDEF", "kern", "FFTM", "MATH"]
    options.glyph_names = False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=REPERTOIRE)
    subsetter.subset(font)
    data = io.BytesIO()
    font.save(data)
    program = data.getvalue()

    scale = 1000 / font["head"].unitsPerEm
    glyph_ids = {code: font.getGlyphID(name) for code, name in font.getBestCmap().items()}
    if ord(FALLBACK) not in glyph_ids:
        raise FontMissing(f"The bill font {path} has no Latin letters; LK_BILL_FONT must name a font with Cyrillic.")
    widths = tuple(round(font["hmtx"][name][0] * scale) for name in font.getGlyphOrder())
    head, hhea = font["head"], font["hhea"]
    name = f"/{_SUBSET_TAG}+{font['name'].getDebugName(6) or 'BillFont'}"
    bbox = " ".join(str(round(v * scale)) for v in (head.xMin, head.yMin, head.xMax, head.yMax))
    cap_height = round(getattr(font["OS/2"], "sCapHeight", 0) * scale) or round(hhea.ascent * scale)
    objects = [
        _dictionary(_TYPE0, f"/Type /Font /Subtype /Type0 /BaseFont {name} /Encoding /Identity-H "
                            f"/DescendantFonts [{_CID_FONT} 0 R] /ToUnicode {_TO_UNICODE} 0 R"),
        _dictionary(_CID_FONT, f"/Type /Font /Subtype /CIDFontType2 /BaseFont {name} "
                               "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                               f"/FontDescriptor {_DESCRIPTOR} 0 R /CIDToGIDMap /Identity "
                               f"/W [0 [{' '.join(map(str, widths))}]]"),
        _dictionary(_DESCRIPTOR, f"/Type /FontDescriptor /FontName {name} /Flags 32 /FontBBox [{bbox}] "
                                 f"/ItalicAngle 0 /Ascent {round(hhea.ascent * scale)} "
                                 f"/Descent {round(hhea.descent * scale)} /CapHeight {cap_height} /StemV 80 "
                                 f"/FontFile2 {_FONT_FILE} 0 R"),
        _stream(_FONT_FILE, program, f"/Length1 {len(program)}"),
        _stream(_TO_UNICODE, _to_unicode(glyph_ids)),
    ]
    offsets, position = [], len(_HEADER)
    for serialised in objects:
        offsets.append(position)
        position += len(serialised)
    return EmbeddedFont(
        glyph_ids,
        _ByCodePoint({code: f"{gid:04X}" for code, gid in glyph_ids.items()}),
        _ByCodePoint({code: widths[gid] for code, gid in glyph_ids.items()}),
        b"".join(objects),
        tuple(offsets),
    )


def _to_unicode(glyph_ids: dict[int, int]) -> bytes:
    """The CMap that turns glyph ids back into text, for copying and searching in a viewer."""
    characters = {}
    for code in sorted(glyph_ids):
        characters.setdefault(glyph_ids[code], code)  # a glyph shared by two characters reads as the first
    pairs = [f"<{gid:04X}> <{code:04X}>" for gid, code in sorted(characters.items())]
    blocks = "\n".join(
        f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar"
        for chunk in (pairs[start : start + 100] for start in range(0, len(pairs), 100))
    )
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{blocks}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


def _dictionary(number: int, entries: str) -> bytes:
    return f"{number} 0 obj\n<< {entries} >>\nendobj\n".encode("latin-1")


def _stream(number: int, data: bytes, entries: str = "", level: int = 9) -> bytes:
    packed = zlib.compress(data, level)
    head = f"{number} 0 obj\n<< /Length {len(packed)} /Filter /FlateDecode {entries}>>\nstream\n".encode("latin-1")
    return head + packed + b"\nendstream\nendobj\n"


def _number(value: float) -> str:
    return f"{value:.2f}"


def _text_string(text: str) -> str:
    """A PDF text string for the document information (UTF-16 with its byte-order mark)."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


class Page:
    """One A4 page being drawn; `y` is measured down from the top edge, as a layout reads."""

    def __init__(self, font: EmbeddedFont) -> None:
        self.font = font
        self._operations: list[str] = []
        self._modules = b""  # the image object of the QR code, once drawn

    def text(self, x: float, y: float, text: str, size: float = 10, *, bold: bool = False, gray: float = 0.0,
             align: str = "left") -> None:
        """Write one line with its baseline at `y`; `align` is left, right (x is the right edge) or center."""
        if align != "left":
            x -= self.font.width(text, size) / (1 if align == "right" else 2)
        # DejaVu's bold is another file: outlining the regular glyphs gives a bold look without a second font.
        weight = f"2 Tr {_number(size * 0.035)} w " if bold else ""
        self._operations.append(
            f"q {_number(gray)} g {_number(gray)} G BT /F1 {_number(size)} Tf {weight}"
            f"{_number(x)} {_number(PAGE_HEIGHT - y)} Td <{self.font.encode(text)}> Tj ET Q"
        )

    def wrap(self, text: str, size: float, width: float) -> list[str]:
        """The text broken into lines no wider than `width` at `size`, at spaces (an overlong word is cut)."""
        lines, line = [], ""
        for word in text.split():
            candidate = f"{line} {word}" if line else word
            if self.font.width(candidate, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while len(word) > 1 and self.font.width(word, size) > width:
                cut = next((n for n in range(len(word) - 1, 0, -1) if self.font.width(word[:n], size) <= width), 1)
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        if line:
            lines.append(line)
        return lines

    def line(self, x1: float, y1: float, x2: float, y2: float, *, width: float = 0.5, gray: float = 0.6) -> None:
        """A straight rule."""
        self._operations.append(
            f"q {_number(gray)} G {_number(width)} w {_number(x1)} {_number(PAGE_HEIGHT - y1)} m "
            f"{_number(x2)} {_number(PAGE_HEIGHT - y2)} l S Q"
        )

    def box(self, x: float, y: float, width: float, height: float, *, gray: float) -> None:
        """A filled rectangle whose top-left corner is at (x, y)."""
        self._operations.append(
            f"q {_number(gray)} g {_number(x)} {_number(PAGE_HEIGHT - y - height)} {_number(width)} "
            f"{_number(height)} re f Q"
        )

    def modules(self, x: float, y: float, size: float, rows: list[bytes]) -> None:
        """A square of modules (0 dark, 255 light) `size` points wide, its top-left corner at (x, y); one per page.

        Drawn as a grey image of one sample per module that viewers and printers scale without smoothing, so it
        stays sharp at any zoom and costs the mailing no drawing operation per module.
        """
        side = len(rows)
        # Level 1: level 9 spends milliseconds on the code's repetitive rows to save three hundred bytes.
        self._modules = _stream(_MODULES, b"".join(rows), f"/Type /XObject /Subtype /Image /Width {side} "
                                f"/Height {side} /ColorSpace /DeviceGray /BitsPerComponent 8 /Interpolate false ",
                                level=1)
        self._operations.append(
            f"q {_number(size)} 0 0 {_number(size)} {_number(x)} {_number(PAGE_HEIGHT - y - size)} cm /M1 Do Q"
        )

    def pdf(self, title: str) -> bytes:
        """The finished document."""
        content = "\n".join(self._operations).encode("ascii")
        images = f" /XObject << /M1 {_MODULES} 0 R >>" if self._modules else ""
        objects = [
            _dictionary(_CATALOG, f"/Type /Catalog /Pages {_PAGES} 0 R"),
            _dictionary(_PAGES, f"/Type /Pages /Kids [{_PAGE} 0 R] /Count 1"),
            _dictionary(_PAGE, f"/Type /Page /Parent {_PAGES} 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
                               f"/Resources << /Font << /F1 {_TYPE0} 0 R >>{images} >> /Contents {_CONTENT} 0 R"),
            # Compressed fast: the page is made anew for every bill, and level 9 would win only a kilobyte.
            _stream(_CONTENT, content, level=1),
            _dictionary(_INFO, f"/Title {_text_string(title)} /Producer (LK)"),
            *([self._modules] if self._modules else []),
        ]
        offsets = list(self.font.offsets)
        position = len(_HEADER) + len(self.font.objects)
        for serialised in objects:
            offsets.append(position)
            position += len(serialised)
        size = len(offsets) + 1
        xref = f"xref\n0 {size}\n0000000000 65535 f \n" + "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
        trailer = f"trailer\n<< /Size {size} /Root {_CATALOG} 0 R /Info {_INFO} 0 R >>\nstartxref\n{position}\n%%EOF\n"
        return _HEADER + self.font.objects + b"".join(objects) + (xref + trailer).encode("ascii")
