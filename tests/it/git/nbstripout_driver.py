"""Strip notebooks in place with nbstripout, the way `nbstripout --keep-id FILE...` does, in
one Python process (one process per file would take minutes over the corpus), carrying on
past files nbstripout refuses.

Usage: python nbstripout_driver.py [--keep-output] [--keep-count] [--drop-empty-cells]
           [--keep-metadata KEY]... FILE...

Prints one line per file: `ok<TAB>FILE` or `error<TAB>FILE<TAB>reason`. Used by the `git`
integration test (tests/git/compat.rs) to compare nblint strip with nbstripout byte for byte;
`--keep-id` because nblint keeps cell ids (see docs/strip-compat.md).
"""

import io
import sys
from argparse import Namespace

from nbstripout._nbstripout import process_jupyter_notebook

DEFAULT_EXTRA_KEYS = [
    "metadata.signature",
    "metadata.widgets",
    "cell.metadata.collapsed",
    "cell.metadata.ExecuteTime",
    "cell.metadata.execution",
    "cell.metadata.heading_collapsed",
    "cell.metadata.hidden",
    "cell.metadata.scrolled",
]


def main(argv):
    args = Namespace(
        keep_output=None,
        keep_count=False,
        keep_id=True,
        drop_empty_cells=False,
        drop_tagged_cells="",
        strip_init_cells=False,
        drop_output_type=[],
        keep_output_type=[],
        max_size="0",
        dry_run=False,
    )
    keep_metadata = []
    files = []
    it = iter(argv)
    for arg in it:
        if arg == "--keep-output":
            args.keep_output = True
        elif arg == "--keep-count":
            args.keep_count = True
        elif arg == "--drop-empty-cells":
            args.drop_empty_cells = True
        elif arg == "--keep-metadata":
            key = next(it)
            # nblint's bare keys name both the cell and the notebook key.
            keep_metadata += [key] if "." in key else ["cell.metadata." + key, "metadata." + key]
        else:
            files.append(arg)
    extra_keys = [key for key in DEFAULT_EXTRA_KEYS if key not in keep_metadata]
    for name in files:
        try:
            with io.open(name, "r+", encoding="utf8", newline=None) as f:
                process_jupyter_notebook(f, f, args, extra_keys, filename=name)
            print(f"ok\t{name}")
        except Exception as error:  # noqa: BLE001 - any refusal is reported, not fatal
            reason = f"{type(error).__name__}: {error}".replace("\n", " ")[:200]
            print(f"error\t{name}\t{reason}")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
