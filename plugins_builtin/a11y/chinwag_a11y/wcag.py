"""WCAG 2.2 colour arithmetic: relative luminance, contrast ratio, and the nearest passing colour.

Relative luminance and contrast ratio follow the WCAG 2.2 definitions word for word
(https://www.w3.org/TR/WCAG22/#dfn-relative-luminance, #dfn-contrast-ratio). The suggested
colour is searched in OKLCH (Björn Ottosson's OKLab in polar form) because equal steps there
look equally large: keeping the hue and chroma and moving only the lightness gives the colour
closest to the owner's choice that a person still recognises as "their" colour.
"""

from __future__ import annotations

import math
import re

HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")

RGB = tuple[float, float, float]


def parse_hex(color: str) -> RGB:
    """``#rgb`` or ``#rrggbb`` as sRGB channels from 0 to 1 (ValueError otherwise)."""
    match = HEX.match(color.strip())
    if not match:
        raise ValueError(f"not a #rgb or #rrggbb colour: {color!r}")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    r, g, b = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def to_hex(rgb: RGB) -> str:
    """sRGB channels (clamped to 0..1) as ``#rrggbb``."""
    return "#" + "".join(f"{round(min(1.0, max(0.0, c)) * 255):02x}" for c in rgb)


def _linear(c: float) -> float:
    # WCAG 2.2 states 0.04045 (the sRGB standard); 2.0's 0.03928 gives the same 8-bit results
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    """L = 0.2126 R + 0.7152 G + 0.0722 B of the linearised sRGB channels (0 black, 1 white)."""
    r, g, b = (_linear(c) for c in parse_hex(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), L1 the lighter: from 1 (none) to 21 (black on white)."""
    hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def passes(ratio: float, threshold: float) -> bool:
    """Whether a ratio meets a threshold: WCAG does not round (4.499:1 fails 4.5:1)."""
    return ratio >= threshold


# -- OKLab / OKLCH (https://bottosson.github.io/posts/oklab/) ------------------------------------


def _to_oklab(rgb: RGB) -> RGB:
    r, g, b = (_linear(c) for c in rgb)
    l_ = 0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b
    m_ = 0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b
    s_ = 0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b
    l_, m_, s_ = (math.copysign(abs(v) ** (1 / 3), v) for v in (l_, m_, s_))
    return (
        0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_,
        1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_,
        0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_,
    )


def _gamma(c: float) -> float:
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def _from_oklab(lab: RGB) -> RGB:
    lightness, a, b = lab
    l_ = (lightness + 0.3963377774 * a + 0.2158037573 * b) ** 3
    m_ = (lightness - 0.1055613458 * a - 0.0638541728 * b) ** 3
    s_ = (lightness - 0.0894841775 * a - 1.2914855480 * b) ** 3
    return (
        _gamma(4.0767416621 * l_ - 3.3077115913 * m_ + 0.2309699292 * s_),
        _gamma(-1.2684380046 * l_ + 2.6097574011 * m_ - 0.3413193965 * s_),
        _gamma(-0.0041960863 * l_ - 0.7034186147 * m_ + 1.7076147010 * s_),
    )


def oklch(color: str) -> tuple[float, float, float]:
    """A colour as OKLCH: lightness 0..1, chroma, hue in degrees."""
    lightness, a, b = _to_oklab(parse_hex(color))
    return lightness, math.hypot(a, b), math.degrees(math.atan2(b, a)) % 360


def from_oklch(lightness: float, chroma: float, hue: float) -> str:
    """The ``#rrggbb`` of an OKLCH colour; out of the sRGB gamut, chroma is lowered until it fits."""
    h = math.radians(hue)
    for _ in range(40):
        rgb = _from_oklab((lightness, chroma * math.cos(h), chroma * math.sin(h)))
        if all(-1e-4 <= c <= 1 + 1e-4 for c in rgb):
            return to_hex(rgb)
        chroma *= 0.9
    return to_hex(_from_oklab((lightness, 0.0, 0.0)))


def nearest_passing(color: str, against: str, threshold: float) -> str | None:
    """The colour nearest to ``color`` in OKLCH lightness (same hue, chroma kept where the gamut
    allows) whose contrast with ``against`` meets ``threshold``; None when none does.

    Both directions are searched (darker and lighter); the smaller lightness change wins."""
    if passes(contrast(color, against), threshold):
        return color
    lightness, chroma, hue = oklch(color)
    best: tuple[float, str] | None = None
    for direction in (-1, 1):
        step = 0
        while True:
            step += 1
            candidate_l = lightness + direction * step * 0.002
            if not 0.0 <= candidate_l <= 1.0:
                break
            candidate = from_oklch(candidate_l, chroma, hue)
            if passes(contrast(candidate, against), threshold):
                change = abs(candidate_l - lightness)
                if best is None or change < best[0]:
                    best = (change, candidate)
                break
    if best is None:
        for extreme in ("#000000", "#ffffff"):
            if passes(contrast(extreme, against), threshold):
                return extreme
        return None
    return best[1]
