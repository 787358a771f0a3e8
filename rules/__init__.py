"""The built-in rules: one module per process area (see ../shared/RUBRIC.md).

This package is installed as ``auditor.rules`` (``auditor/rules`` is a symbolic
link to this folder; see docs/adr/0001-package-layout.md) and loads through the
``auditor.rules`` entry-point group like any third-party rule pack.
"""
