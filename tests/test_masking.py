"""Masking of secret values in the forms code prints them in."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from dataops_jupyter.control_service.redaction import Masker, complete_lines

SECRET = 'p@ss "word"\\with/slash+plus?'


@pytest.mark.parametrize("prefix", [b"", b"a", b"ab", b"user:", b"xy:"])
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_base64_at_every_alignment_is_masked(prefix: bytes, encode) -> None:  # type: ignore[no-untyped-def]
    printed = encode(prefix + SECRET.encode() + b"@host").decode()
    masked = Masker([SECRET]).text(f"Authorization: Basic {printed}")
    assert "***" in masked
    # What is left cannot be decoded back to the value.
    left = masked.split("Basic ", 1)[1]
    for piece in left.split("***"):
        assert SECRET[:6] not in base64.b64decode(piece + "===", altchars=b"-_").decode(
            errors="replace"
        )


@pytest.mark.parametrize(
    "form",
    [
        SECRET,
        json.dumps(SECRET)[1:-1],
        json.dumps({"pw": SECRET}),
        repr(SECRET),
        SECRET.encode().hex(),
        SECRET.encode().hex().upper(),
        quote(SECRET, safe=""),
        quote(SECRET, safe="").lower(),
        quote_plus(SECRET),
        "https://host/login?pw=" + quote(SECRET, safe=""),
    ],
)
def test_every_form_is_masked(form: str) -> None:
    masked = Masker([SECRET]).text(f"before {form} after")
    assert "***" in masked and masked.startswith("before ") and masked.endswith(" after")
    assert "word" not in masked and "slash" not in masked


def test_unicode_value_in_json_escapes() -> None:
    value = "grüße-geheim"
    for form in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
        assert Masker([value]).text(form) == '"***"'


def test_each_line_of_a_multi_line_value_is_masked() -> None:
    key = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34\n-----END KEY-----"
    masked = Masker([key]).text("first line MIIBOgIBAAJBAKj34 printed alone")
    assert "MIIBOgIBAAJBAKj34" not in masked


def test_short_values_and_no_values_leave_text_alone() -> None:
    assert not Masker([])
    assert Masker([]).text("hunter2") == "hunter2"
    assert Masker(["ab"]).text("abc ab") == "abc ab"


def test_data_masks_nested_strings_and_keys() -> None:
    masked = Masker(["hunter2-secret"]).data(
        {"error": {"evalue": "bad hunter2-secret", "traceback": ["x", "hunter2-secret"]},
         "hunter2-secret": 1, "n": 3}
    )  # fmt: skip
    assert "hunter2" not in json.dumps(masked) and masked["n"] == 3


def test_notebook_streams_written_in_pieces_are_masked_whole() -> None:
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "source": ["print(s[:8], end='')\n", "print(s[8:])"],
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": ["hunter2-"]},
                    {"output_type": "stream", "name": "stdout", "text": "secret\n"},
                    {"output_type": "execute_result", "data": {"text/plain": ["'hunter2-secret'"]}},
                ],
            }
        ],
        "metadata": {},
    }
    masked = Masker(["hunter2-secret"]).notebook(notebook)
    text = json.dumps(masked)
    assert "hunter2-secret" not in text and "secret" not in text.replace("s[8:]", "")
    assert masked["cells"][0]["outputs"][0]["text"] == "***\n"


def test_complete_lines_holds_back_the_partial_tail() -> None:
    assert complete_lines("[s] one\n[s] hunter2-") == "[s] one\n"
    assert complete_lines("[s] partial") == ""
    assert complete_lines("a\nb\n") == "a\nb\n"
