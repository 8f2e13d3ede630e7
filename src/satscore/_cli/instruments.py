"""``satscore instruments`` (the built-in instruments) and ``satscore show ID`` (one of them)."""

from __future__ import annotations

import argparse
import json

import pandas as pd
import yaml

from satscore._cli.common import dumps, frame_text, language, out
from satscore._cli.options import EXIT_OK
from satscore._core.errors import OptionError
from satscore.instruments import list_instruments, load_instrument

__all__ = ["run_instruments", "run_show"]


def run_instruments(args: argparse.Namespace) -> int:
    """One row per built-in instrument: id, version, title, languages, items, dimensions."""
    rows = []
    insts = [load_instrument(name) for name in list_instruments()]
    if args.lang is not None and not any(args.lang in inst.languages for inst in insts):
        langs = sorted({lang for inst in insts for lang in inst.languages})
        msg = f"--lang {args.lang!r} is not a language of any instrument; use one of {langs}."
        raise OptionError(msg)
    for inst in insts:
        lang = args.lang if args.lang in inst.languages else inst.default_language
        rows.append(
            {
                "id": inst.id,
                "version": inst.version,
                "title": inst.title[lang],
                "languages": ",".join(inst.languages),
                "items": len(inst.items),
                "dimensions": len(inst.dimensions),
            }
        )
    table = pd.DataFrame(rows)
    out(dumps(table) if args.json else frame_text(table))
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    """An instrument's items, scales and dimensions as tables, or its definition as YAML/JSON."""
    inst = load_instrument(args.instrument)
    if args.format == "json":
        out(json.dumps(inst.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    if args.format == "yaml":
        out(yaml.safe_dump(inst.to_dict(), allow_unicode=True, sort_keys=False).rstrip())
        return EXIT_OK
    lang = language(inst, args.lang)
    out(f"{inst.title[lang]} ({inst.id} {inst.version}); languages: {', '.join(inst.languages)}")
    out()
    out("Items")
    out(frame_text(inst.summary(lang)))
    out()
    out("Scales")
    scales = [
        {
            "scale": s.id,
            "codes": " | ".join(
                f"{c}={lab}" for c, lab in zip(s.codes, s.labels[lang], strict=True)
            ),
            "missing": " | ".join(f"{m.code}={m.labels[lang]}" for m in s.missing) or None,
            "satisfied": ",".join(str(c) for c in s.satisfied),
        }
        for s in inst.scales
    ]
    out(frame_text(pd.DataFrame(scales)))
    if inst.dimensions:
        out()
        out("Dimensions")
        dims = [
            {
                "dimension": d.id,
                "title": d.title[lang],
                "items": ",".join(d.items),
                "min_valid": d.min_valid,
            }
            for d in inst.dimensions
        ]
        out(frame_text(pd.DataFrame(dims)))
    return EXIT_OK
