"""Masking of secret values in everything an execution leaves behind: log text, the run
record, the outcome stored in the database and the output notebook.

A value is masked as ``***`` in clear and in the forms code commonly prints it in: JSON- and
repr-escaped, base64 (standard and URL-safe, at each of the three byte alignments inside a
longer encoded string), hex (lower and upper case) and URL-encoded. Each line of a multi-line
value is masked on its own as well, so that a value printed over several lines never shows.
"""

from __future__ import annotations

import base64
import json
import re
import types
from collections.abc import Iterable
from typing import Any, Literal, TypeVar, Union, get_args, get_origin
from urllib.parse import quote, quote_plus

from pydantic import BaseModel

MASK = "***"
#: Values shorter than this are not masked (they would mask ordinary text).
MIN_CLEAR = 3
#: Encoded forms shorter than this are not masked (too likely to occur by chance).
MIN_ENCODED = 6


def _base64_forms(data: bytes) -> set[str]:
    """The part of ``data``'s base64 that is the same wherever it sits in a longer encoding:
    for each of the three alignments, the characters made of ``data``'s bits alone."""
    forms = set()
    for pad in range(3):
        bits = 8 * (pad + len(data))
        start, end = -(-8 * pad // 6), bits // 6
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.add(encode(b"\0" * pad + data).decode("ascii")[start:end])
    return forms


def encoded_forms(value: str) -> set[str]:
    """Every string that reveals ``value`` (see the module docstring); empty for short ones."""
    if len(value) < MIN_CLEAR:
        return set()
    forms = {value}
    for line in value.splitlines():
        if len(line.strip()) >= MIN_CLEAR:
            forms.add(line.strip())
    data = value.encode("utf-8")
    url = quote(value, safe="")
    encoded = {
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
        data.hex(),
        data.hex().upper(),
        url,
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), url),
        quote_plus(value, safe=""),
        *_base64_forms(data),
    }
    forms.update(form for form in encoded if len(form) >= MIN_ENCODED)
    return forms


M = TypeVar("M", bound=BaseModel)


def _is_literal(annotation: Any) -> bool:
    """Whether a field holds one of fixed words (``Literal[...]``, maybe ``| None``)."""
    if get_origin(annotation) is Literal:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_is_literal(arg) for arg in get_args(annotation))
    return False


class Masker:
    """Replaces every form of the given secret values by ``***``."""

    def __init__(self, values: Iterable[str]) -> None:
        forms: set[str] = set()
        for value in values:
            forms.update(encoded_forms(value))
        self._pattern = (
            re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))
            if forms
            else None
        )

    def __bool__(self) -> bool:
        return self._pattern is not None

    def text(self, text: str) -> str:
        """``text`` with every form of every value masked."""
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(MASK, text)

    def data(self, value: Any) -> Any:
        """A JSON-like value (dicts, lists, strings…) with every string masked, keys too."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.data(k): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value

    def model(self, value: M) -> M:
        """A copy of a pydantic model with every string it holds masked, its structure kept:
        field names and fixed words (statuses, severities) are not text the job made, and
        masking them would make the record unreadable."""
        update: dict[str, Any] = {}
        for name, info in type(value).model_fields.items():
            field = getattr(value, name)
            if isinstance(field, str) and _is_literal(info.annotation):
                continue
            update[name] = self._field(field)
        return value.model_copy(update=update)

    def _field(self, value: Any) -> Any:
        if isinstance(value, BaseModel):
            return self.model(value)
        if isinstance(value, list):
            return [self._field(v) for v in value]
        return self.data(value)

    def notebook(self, notebook: dict[str, Any]) -> dict[str, Any]:
        """A notebook (as loaded from JSON) masked structurally: multi-line strings joined and
        consecutive stream outputs of a cell merged first, so that a value written in pieces
        is masked as a whole."""
        cells = []
        for cell in notebook.get("cells", []):
            cell = {k: _joined(v) if k == "source" else v for k, v in cell.items()}
            if "outputs" in cell:
                cell["outputs"] = _merged_streams([_joined_output(o) for o in cell["outputs"]])
            cells.append(cell)
        masked: dict[str, Any] = self.data({**notebook, "cells": cells})
        return masked


def _joined(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    return value


def _joined_output(output: dict[str, Any]) -> dict[str, Any]:
    output = dict(output)
    if "text" in output:
        output["text"] = _joined(output["text"])
    if isinstance(output.get("data"), dict):
        output["data"] = {k: _joined(v) for k, v in output["data"].items()}
    if isinstance(output.get("traceback"), list):
        output["traceback"] = ["\n".join(str(line) for line in output["traceback"])]
    return output


def _merged_streams(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged: list[dict[str, Any]] = []
    for output in outputs:
        last = merged[-1] if merged else None
        if (
            last is not None
            and output.get("output_type") == last.get("output_type") == "stream"
            and output.get("name") == last.get("name")
        ):
            last["text"] = str(last.get("text", "")) + str(output.get("text", ""))
        else:
            merged.append(dict(output))
    return merged


def complete_lines(text: str) -> str:
    """``text`` up to and including its last newline: a running execution's log is served
    line by line, so that a value written in two pieces is masked on its whole line."""
    end = text.rfind("\n")
    return text[: end + 1] if end >= 0 else ""
