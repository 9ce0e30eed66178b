"""The codegen pipeline of atlas-async: pull -> patch -> generate -> format -> check -> diff.

A development tool, not shipped in the wheel. Run it as ``python -m codegen <command>``; see
``python -m codegen --help`` and the README section "Regenerating when Atlas changes its API".
"""
