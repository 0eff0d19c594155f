"""SMS segmentation (domain.segments) against Twilio's own calculator, vector for vector.

tests/fixtures/sms_segments/vectors.json is the output of sms-segments-calculator 1.3.0 for every
input of generate_vectors.mjs next to it (README.md there says how to regenerate it).
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

from engage_desktop.domain import segments as segments_module
from engage_desktop.domain.segments import Encoding, SegmentCount, count_segments, smart_encode, split_segments

FIXTURE = json.loads((Path(__file__).parents[1] / "fixtures" / "sms_segments" / "vectors.json").read_text(encoding="utf-8"))
VECTORS = FIXTURE["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_matches_twilio_calculator(vector):
    text, smart = vector["text"], vector["smart_encoding"]
    count = count_segments(text, smart_encoding=smart)
    assert count.encoding == vector["encoding"]
    assert count.segments == vector["segments"]
    assert split_segments(text, smart_encoding=smart) == vector["segment_texts"]
    assert count.characters == vector["graphemes"]
    assert count.units == vector["units"]
    # The calculator's own "characters" are septets in GSM-7 and grapheme clusters in UCS-2.
    assert vector["number_of_characters"] == (count.units if count.encoding is Encoding.GSM7 else count.characters)
    assert count.units * (7 if count.encoding is Encoding.GSM7 else 16) == vector["message_size_bits"]
    single, part = (160, 153) if count.encoding is Encoding.GSM7 else (70, 67)
    assert count.per_segment == (part if count.segments > 1 else single)
    assert count.remaining == max(0, vector["last_segment_free_units"])
    assert list(count.non_gsm) == vector["non_gsm"]
    # Cluster boundaries inside a segment are invisible in the texts above; pin them too.
    clusters, offset = [], 0
    for cluster in segments_module._graphemes(smart_encode(text) if smart else text):
        if len(cluster) > 1:
            clusters.append([offset, cluster])
        offset += len(cluster)
    assert clusters == vector["clusters"]


def test_fixture_is_the_pinned_calculator_and_covers_every_group():
    assert FIXTURE["calculator"] == "sms-segments-calculator@1.3.0"
    assert FIXTURE["count"] == len(VECTORS) > 1900
    groups = {v["group"].split("-")[0] for v in VECTORS}
    assert groups >= {"facts", "calculator", "smart", "boundary", "reminder", "random"}
    assert sum(v["group"].startswith("random") for v in VECTORS) >= 400
    assert len({v["id"] for v in VECTORS}) == len(VECTORS)


def _naive(text: str, smart: bool) -> int:
    """ceil(length / 153): right units, right encoding, but no whole-cluster or escape-pair rule."""
    count = count_segments(text, smart_encoding=smart)
    single, part = (160, 153) if count.encoding is Encoding.GSM7 else (70, 67)
    return 1 if count.units <= single else math.ceil(count.units / part)


def test_vectors_catch_a_naive_counter():
    differs = [v["id"] for v in VECTORS if _naive(v["text"], v["smart_encoding"]) != v["segments"]]
    assert len(differs) >= 20
    assert {"facts-table-007", "facts-table-013"} <= set(differs)  # € and 😀 that cannot straddle a boundary


def test_remaining_and_per_segment():
    hello = count_segments("Hello")
    assert (hello.encoding, hello.segments, hello.units, hello.per_segment, hello.remaining) == (Encoding.GSM7, 1, 5, 160, 155)
    full = count_segments("a" * 160)
    assert (full.segments, full.per_segment, full.remaining) == (1, 160, 0)
    two = count_segments("a" * 161)
    assert (two.segments, two.per_segment, two.remaining) == (2, 153, 153 - 8)
    emoji = count_segments("a" * 69 + "😀")
    assert (emoji.encoding, emoji.segments, emoji.units, emoji.per_segment, emoji.remaining) == (Encoding.UCS2, 2, 71, 67, 67 - 4)


def test_non_gsm_lists_each_offending_character_once_in_order():
    text = "Hi Ann, it’s time 😀 for Façade’s cleaning ç"
    assert count_segments(text).non_gsm == ("’", "😀", "ç")
    assert count_segments("Hi Ann, it's time for your cleaning").non_gsm == ()
    assert count_segments("más").non_gsm == ("á",)
    assert count_segments("e\u0301").non_gsm == ("e\u0301",)  # e + combining accent has no GSM-7 code


def test_extension_characters_cost_two_septets_but_one_ucs2_unit():
    assert count_segments("€").units == 2
    assert count_segments("€😀").units == 3
    assert split_segments("a" * 152 + "€" + "a" * 152) == ["a" * 152, "€" + "a" * 151, "a"]


def test_a_1600_character_body():
    gsm = count_segments("a" * 1600)
    assert (gsm.segments, gsm.per_segment, gsm.remaining) == (11, 153, 11 * 153 - 1600)
    assert [len(s) for s in split_segments("a" * 1600)] == [153] * 10 + [70]
    ucs = count_segments("ą" * 1600)
    assert (ucs.encoding, ucs.segments, ucs.remaining) == (Encoding.UCS2, 24, 24 * 67 - 1600)
    # 67 is odd: each part holds 33 emoji, not 33.5, so 800 emoji need 25 parts where 1600 / 67 says 24.
    emoji = count_segments("😀" * 800)
    assert (emoji.units, emoji.segments, emoji.remaining) == (1600, 25, 67 - 2 * (800 - 24 * 33))


def test_clusters_move_whole_to_the_next_segment():
    parts = split_segments("a" * 66 + "👍🏽" + "a" * 66)
    assert parts == ["a" * 66, "👍🏽" + "a" * 63, "a" * 3]
    assert split_segments("a" * 65 + "🏳️‍🌈") == ["a" * 65, "🏳️‍🌈"]
    assert count_segments("🏳️‍🌈" + "1" * 64).segments == 1
    assert count_segments("🏳️‍🌈" + "1" * 65).segments == 2


def test_crlf_counts_as_two_characters_and_may_be_split():
    assert count_segments("a\r\nb").characters == 4
    assert split_segments("a" * 159 + "\r\n") == ["a" * 153, "a" * 6 + "\r\n"]
    assert split_segments("a" * 152 + "\r\n" + "a" * 10) == ["a" * 152 + "\r", "\n" + "a" * 10]


def test_empty_message_is_one_empty_segment_like_the_calculator():
    empty = count_segments("")
    assert (empty.encoding, empty.segments, empty.units, empty.characters, empty.remaining) == (Encoding.GSM7, 1, 0, 0, 160)
    assert split_segments("") == [""]


def test_smart_encoding():
    curly = "Hi Ann, it’s time for your cleaning. Reply C to confirm, STOP to opt out."
    assert count_segments(curly).encoding is Encoding.UCS2
    assert count_segments(curly).segments == 2
    smart = count_segments(curly, smart_encoding=True)
    assert (smart.encoding, smart.segments, smart.non_gsm) == (Encoding.GSM7, 1, ())
    assert smart_encode("Mon 9–10am “ok” …\t") == 'Mon 9-10am "ok" ...       '
    assert smart_encode("ç á ñ 😀") == "ç á ñ 😀"  # letters and emoji are left alone
    assert split_segments("’", smart_encoding=True) == ["'"]


def test_follows_the_calculator_not_current_unicode_for_newer_emoji():
    # grapheme-splitter 1.0.4 (Unicode 10) splits emoji sequences added later; regex's \X does not.
    assert count_segments("❤️‍🔥").characters == 2
    assert count_segments("🫶🏽").characters == 2
    assert count_segments("👍🏽").characters == 1
    assert count_segments("🏳️‍🌈").characters == 1
    # \X would keep 🫶🏽 together and move it whole: ["a" * 65, "🫶🏽" + "a" * 5].
    assert split_segments("a" * 65 + "🫶🏽" + "a" * 5) == ["a" * 65 + "🫶", "🏽" + "a" * 5]


def test_value_types():
    count = count_segments("Hi")
    with pytest.raises(dataclasses.FrozenInstanceError):
        count.segments = 2
    assert isinstance(count, SegmentCount)
    assert str(Encoding.GSM7) == "GSM-7" and str(Encoding.UCS2) == "UCS-2"


def test_the_fast_path_for_simple_text_agrees_with_the_full_cluster_walk():
    import random

    from engage_desktop.domain import segments as seg

    rng = random.Random(7)
    alphabet = "abcXYZ 019.,!?@£¥èéñüÄÖ" + "áíóúç’“”–…"  # GSM-7 basic and simple UCS-2 characters
    checked = 0
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        fast = seg._count_simple(text)
        assert fast is not None
        encoding, clusters, parts = seg._segment(text, False)
        assert (fast.encoding, fast.segments, fast.units, fast.characters) == (
            encoding, len(parts), sum(size for part in parts for _, size in part), len(clusters))
        checked += 1
    assert checked == 400
    assert seg._count_simple("price 5€") is None and seg._count_simple("a\r\nb") is None  # the full path
