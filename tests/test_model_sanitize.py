from notifycenter.model.sanitize import sanitize, sanitize_line


def test_terminal_controls_are_removed():
    osc52 = "copy \x1b]52;c;aGVsbG8=\x07 me"
    assert "\x1b" not in sanitize(osc52) and "\x07" not in sanitize(osc52)
    assert sanitize("a\x9bb\x85c") == "abc"  # C1 controls
    assert sanitize("evil\u202etxt.exe") == "eviltxt.exe"  # bidi override
    assert sanitize("zero\u200bwidth\ufeff") == "zerowidth"
    assert sanitize("private\ue000use") == "privateuse"


def test_newlines_tabs_and_markup_survive_as_text():
    assert sanitize("line 1\n\tline 2") == "line 1\n\tline 2"
    assert sanitize("[/oops] [@click=app.quit]x") == "[/oops] [@click=app.quit]x"
    assert sanitize("naïve ✓ 日本") == "naïve ✓ 日本"
    assert sanitize_line("a\nb\tc") == "a b c"


def test_length_is_capped():
    assert sanitize("x" * 10, limit=5) == "xxxx…"
    assert len(sanitize("y" * 100_000)) == 4096
    assert sanitize(None) == "" and sanitize(42) == "42"


def test_unsafe_ranges_match_the_unicode_database():
    import sys
    import unicodedata

    from notifycenter.model.sanitize import UNSAFE_RANGES

    listed = {cp for low, high in UNSAFE_RANGES for cp in range(low, high + 1)}
    expected = {
        cp
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) in ("Cc", "Cf", "Co") and chr(cp) not in "\n\t"
    }
    missing = expected - listed
    # A newer Unicode may add format characters: those must be listed; the rest may stay.
    assert not missing, f"add these to UNSAFE_RANGES: {sorted(hex(c) for c in missing)[:20]}"


def test_has_unsafe_answers_as_sanitize_for_every_code_point():
    """The isprintable fast path never says inert where sanitize would remove something:
    the first 0x3000 code points, each unsafe range's edges, and what isprintable refuses
    that sanitize keeps (spaces other than U+0020, unassigned code points)."""
    from notifycenter.model.sanitize import UNSAFE_RANGES, has_unsafe

    edges = {cp for low, high in UNSAFE_RANGES for cp in (low - 1, low, high, high + 1)}
    odd = {0xA0, 0x1680, 0x2000, 0x200A, 0x205F, 0x3000, 0x0378, 0xFFFF, 0xE0080, 0x10FFFF}
    for cp in sorted(cp for cp in set(range(0x3000)) | edges | odd if 0 <= cp <= 0x10FFFF):
        text = f"a{chr(cp)}b"
        assert has_unsafe(text) == (sanitize(text) != text and chr(cp) not in "\n\t"), hex(cp)
