"""The overseas master files ({excd}mst.cod.zip, kis-api §13.10) built from the sandbox's
listings: one tab-separated cp949 line of 24 columns per listing, no header line."""

from __future__ import annotations

import io
import zipfile

from kisbot.sandbox.overseas.listings import BY_EXCD, LISTINGS


def build_overseas_master_zip(excd: str) -> bytes:
    """The zip KIS serves for one exchange (KeyError for one the sandbox does not list)."""
    venue = BY_EXCD[excd]
    lines = []
    for listing in (item for item in LISTINGS if item.excd == excd):
        start, end = venue.hours[0][0], venue.hours[-1][1]
        fields = [
            venue.country, "", excd, venue.name, listing.symbol, f"D{excd}{listing.symbol}",
            listing.korean_name, listing.english_name, listing.kind, venue.currency,
            str(listing.decimals), "", f"{listing.base_price}", str(listing.lot),
            str(listing.lot), start.strftime("%H%M"), end.strftime("%H%M"),
            "", "", "", "", "", "", "",
        ]  # fmt: skip
        lines.append("\t".join(fields))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{excd}MST.COD", "\r\n".join(lines).encode("cp949"))
    return buffer.getvalue()
