"""The colour arithmetic against the WCAG 2.2 definitions and the understanding documents' pairs."""

from __future__ import annotations

import pytest
from chinwag_a11y.content import (
    content_issues,
    emoji_only,
    link_issues,
    markdown_issues,
    reading_ease,
    text_issues,
)
from chinwag_a11y.wcag import contrast, nearest_passing, oklch, relative_luminance


def test_relative_luminance_follows_the_definition() -> None:
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#ffffff") == pytest.approx(1)
    # pure primaries weigh 0.2126, 0.7152 and 0.0722 (WCAG 2.2, "relative luminance")
    assert relative_luminance("#ff0000") == pytest.approx(0.2126)
    assert relative_luminance("#00ff00") == pytest.approx(0.7152)
    assert relative_luminance("#0000ff") == pytest.approx(0.0722)
    assert relative_luminance("#fff") == relative_luminance("#ffffff")


@pytest.mark.parametrize(
    ("fg", "bg", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),  # the largest contrast there is
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),  # Understanding 1.4.3: the lightest grey that passes on white
        ("#777777", "#ffffff", 4.48),  # and the one just past it
        ("#595959", "#ffffff", 7.0),  # Understanding 1.4.6: the AAA grey on white
        ("#949494", "#ffffff", 3.03),  # Understanding 1.4.11: a 3:1 boundary grey
    ],
)
def test_contrast_of_known_pairs(fg: str, bg: str, ratio: float) -> None:
    assert contrast(fg, bg) == pytest.approx(ratio, abs=0.01)
    assert contrast(bg, fg) == contrast(fg, bg)


def test_777_on_white_fails_and_the_suggestion_passes_nearby() -> None:
    assert contrast("#777777", "#ffffff") < 4.5
    suggestion = nearest_passing("#777777", "#ffffff", 4.5)
    assert suggestion is not None and contrast(suggestion, "#ffffff") >= 4.5
    assert suggestion == "#767676"  # one step darker: the nearest grey that passes


def test_suggestion_keeps_the_hue_of_a_brand_colour() -> None:
    suggestion = nearest_passing("#ffcc00", "#ffffff", 4.5)  # yellow text on white: 1.6:1
    assert suggestion is not None and contrast(suggestion, "#ffffff") >= 4.5
    assert abs(oklch(suggestion)[2] - oklch("#ffcc00")[2]) < 3  # still a yellow (dark gold)
    # lighter is the shorter way on black
    lighter = nearest_passing("#333333", "#000000", 4.5)
    assert lighter is not None and oklch(lighter)[0] > oklch("#333333")[0]


def test_wording_checks() -> None:
    assert [i.code for i in link_issues("[click here](https://shop.example/help)")] == [
        "vague_link"
    ]
    assert [i.code for i in link_issues("See https://shop.example/returns")] == ["url_as_link_text"]
    assert link_issues("[Our returns policy](https://shop.example/returns)") == []
    assert [i.code for i in text_issues("HELLO THERE FRIEND")] == ["all_caps"]
    assert text_issues("Hi! We use the EU VAT rules.") == []
    assert emoji_only("👋 🙂") and not emoji_only("Hi 👋")
    dense = (
        "Notwithstanding contractual obligations enumerated hereinafter, organisational "
        "responsibilities concerning administrative documentation necessitate comprehensive "
        "institutional consideration regarding implementation, notwithstanding supplementary "
        "jurisdictional interpretations of the aforementioned regulatory classifications."
    )
    assert reading_ease(dense) is not None and "reading_level" in {
        i.code for i in text_issues(dense)
    }
    assert "reading_level" not in {i.code for i in text_issues(dense, "fr")}


def test_article_markdown_checks() -> None:
    article = "# Returns\n## Labels\n#### Printing\n![](https://x.example/a.png)\n![A label](b.png)"
    found = markdown_issues(article)
    assert [i.code for i in found] == ["missing_alt", "heading_skipped"]
    assert "level-4 heading follows a level-2" in found[1].message
    assert markdown_issues("# One\n## Two\n# Three\n## Four") == []  # going back up is fine
    # an image is not a link: its address is no link text
    assert link_issues("![A label](https://x.example/a.png)") == []


def test_content_of_blocks_is_checked() -> None:
    blocks = [
        {"type": "buttons", "buttons": [{"label": "Read more"}, {"label": "Track my parcel"}]},
        {"type": "card", "title": "RETURNS AND REFUNDS POLICY", "text": "See https://x.example"},
        {"type": "suggestions", "items": ["here", "Opening hours"]},
    ]
    codes = sorted(i.code for i in content_issues("", blocks, "en"))
    assert codes == ["all_caps", "url_as_link_text", "vague_link", "vague_link"]
