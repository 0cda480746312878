"""``python -m nblint ARGS``: run the ``nblint`` binary this package was installed with."""

import os
import sys
import sysconfig


def find_nblint_bin() -> str:
    """The path of the ``nblint`` executable installed beside this package.

    The wheel puts it in the scripts folder of the environment (or of the user scheme for
    ``pip install --user``); a binary elsewhere on PATH is not ours and is not used.
    """
    executable = "nblint" + (sysconfig.get_config_var("EXE") or "")
    schemes = [sysconfig.get_default_scheme()] if hasattr(sysconfig, "get_default_scheme") else []
    if sys.version_info >= (3, 10):
        schemes.append(sysconfig.get_preferred_scheme("user"))
    elif os.name == "nt":
        schemes.append("nt_user")
    elif sys.platform == "darwin" and getattr(sys, "_framework", None):
        schemes.append("osx_framework_user")
    else:
        schemes.append("posix_user")
    candidates = [os.path.join(sysconfig.get_path("scripts"), executable)]
    for scheme in schemes:
        try:
            candidates.append(os.path.join(sysconfig.get_path("scripts", scheme=scheme), executable))
        except KeyError:
            continue
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(
        "the nblint executable is not installed beside the nblint package (looked in: "
        + ", ".join(candidates)
        + ")"
    )


def main() -> None:
    """Replace this process with ``nblint`` (on Windows, run it and pass on its status)."""
    nblint = os.fsdecode(find_nblint_bin())
    if sys.platform == "win32":
        import subprocess

        sys.exit(subprocess.run([nblint, *sys.argv[1:]]).returncode)
    os.execvp(nblint, [nblint, *sys.argv[1:]])


if __name__ == "__main__":
    main()
