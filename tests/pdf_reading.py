"""Reading a bill PDF as a person and a bank app would: its text, and the QR codes on the rendered page."""

import pypdfium2
import zxingcpp


def pdf_pages(data: bytes) -> int:
    """How many pages the document has (it fails to open unless it is a well-formed PDF)."""
    return len(pypdfium2.PdfDocument(data))


def pdf_text(data: bytes) -> str:
    """The text of the first page, spaces of every kind made plain: what a viewer copies or searches."""
    page = pypdfium2.PdfDocument(data)[0]
    text = page.get_textpage().get_text_bounded()
    return text.replace("\u00a0", " ").replace("\r\n", "\n")


def pdf_qr_codes(data: bytes, scale: float = 2) -> list[zxingcpp.Barcode]:
    """The QR codes found on the first page rendered in grey at `scale` × 72 dpi, as a phone camera would see it."""
    page = pypdfium2.PdfDocument(data)[0]
    bitmap = page.render(scale=scale, grayscale=True)
    pixels = bitmap.buffer  # kept referenced while zxing reads it: the view does not hold it
    view = zxingcpp.ImageView(memoryview(pixels), bitmap.width, bitmap.height, zxingcpp.ImageFormat.Lum, bitmap.stride)
    return [code for code in zxingcpp.read_barcodes(view) if code.format == zxingcpp.BarcodeFormat.QRCode]
