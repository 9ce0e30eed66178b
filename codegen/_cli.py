"""argparse front end: ``python -m codegen {pull,generate,check,diff,normalise}``."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ._generate import compare_trees, generate_into, install
from ._paths import DEFAULT_ROOT, Layout
from ._spec import SpecError, assumption_points, dump_spec, load_spec

__all__ = ["main"]


def _cmd_generate(layout: Layout, _args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="atlas-gen-") as tmp:
        fresh = Path(tmp) / "_generated"
        generate_into(layout, fresh)
        diff = install(fresh, layout.generated)
    target = layout.rel(layout.generated)
    if diff:
        print(f"regenerated {target}:")
        print("\n".join(diff.lines(target, done=True)))
    else:
        print(f"{target} is already up to date")
    return 0


def _cmd_check(layout: Layout, _args: argparse.Namespace) -> int:
    problems: list[str] = []
    spec_text = layout.spec.read_text(encoding="utf-8")
    if spec_text != dump_spec(load_spec(layout.spec)):
        problems.append(
            f"  {layout.rel(layout.spec)} is not normalised (run `python -m codegen normalise`)"
        )
    with tempfile.TemporaryDirectory(prefix="atlas-check-") as tmp:
        fresh = Path(tmp) / "_generated"
        generate_into(layout, fresh)
        diff = compare_trees(layout.generated, fresh)
    problems += diff.lines(layout.rel(layout.generated))
    if problems:
        print(
            f"{layout.rel(layout.generated)} is out of sync with openapi.json + overrides/ "
            "(run `make generate`; never edit it by hand):",
            file=sys.stderr,
        )
        print("\n".join(problems), file=sys.stderr)
        return 1
    print(f"{layout.rel(layout.generated)} is in sync with openapi.json + overrides/")
    return 0


def _cmd_normalise(layout: Layout, _args: argparse.Namespace) -> int:
    text = dump_spec(load_spec(layout.spec))
    if layout.spec.read_text(encoding="utf-8") != text:
        layout.spec.write_text(text, encoding="utf-8")
        print(f"normalised {layout.rel(layout.spec)}")
    return 0


def _cmd_pull(layout: Layout, args: argparse.Namespace) -> int:
    from ._pull import pull

    return pull(layout, args.url)


def _cmd_diff(_layout: Layout, args: argparse.Namespace) -> int:
    from ._diff import diff_specs, render

    old, new = load_spec(Path(args.old)), load_spec(Path(args.new))
    changes = diff_specs(old, new)
    print(render(changes, args.old, args.new))
    return 1 if any(c.breaking for c in changes) else 0


def _cmd_assumptions(layout: Layout, args: argparse.Namespace) -> int:
    path = Path(args.spec) if args.spec else layout.spec
    points = assumption_points(load_spec(path))
    print("\n".join(points))
    print(f"{len(points)} point(s) marked x-atlas-assumption in {path.name}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m codegen",
        description="Keep atlas_async/_generated in step with the Atlas OpenAPI contract.",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=DEFAULT_ROOT,
        help="project root holding openapi.json, overrides/ and atlas_async/_generated "
        "(default: this checkout)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    pull = sub.add_parser(
        "pull", help="fetch the live spec, print the API change report, write openapi.json"
    )
    pull.add_argument(
        "--url",
        help="where to fetch from (default: $ATLAS_BASE_URL/openapi.json, "
        "else https://atlaswork.ai/openapi.json)",
    )
    pull.set_defaults(func=_cmd_pull)
    gen = sub.add_parser("generate", help="regenerate atlas_async/_generated")
    gen.set_defaults(func=_cmd_generate)
    check = sub.add_parser(
        "check", help="fail (naming the files) when atlas_async/_generated is out of date"
    )
    check.set_defaults(func=_cmd_check)
    norm = sub.add_parser("normalise", help="rewrite openapi.json in normalised form")
    norm.set_defaults(func=_cmd_normalise)
    diff = sub.add_parser(
        "diff",
        help="API change report between two spec files; exit 1 when a change is breaking",
    )
    assumed = sub.add_parser(
        "assumptions", help="list the points of the contract marked x-atlas-assumption"
    )
    assumed.add_argument("spec", nargs="?", help="the spec file (default: openapi.json)")
    assumed.set_defaults(func=_cmd_assumptions)
    diff.add_argument("old", help="the old spec (e.g. openapi.json)")
    diff.add_argument("new", help="the new spec")
    diff.set_defaults(func=_cmd_diff)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    layout = Layout(args.root.resolve())
    try:
        code: int = args.func(layout, args)
    except SpecError as exc:
        print(f"codegen {args.command}: {exc}", file=sys.stderr)
        return 2
    return code
