"""The codegen pipeline of atlas-async: pull -> patch -> generate -> format -> check -> diff.

A development tool, not shipped in the wheel. Run it as ``python -m codegen <command>``; see
``python -m codegen --help`` and "Regenerating when Atlas changes its API" in
docs/maintainers/codegen.md.
"""
