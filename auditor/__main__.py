"""``python -m auditor`` works like the ``auditor`` command."""

from auditor.cli import main

if __name__ == "__main__":
    main()
