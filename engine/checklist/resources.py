"""Where files come from: the shipped data directories, and checklist bytes.

An installed package carries ``schemas/`` and ``checklists/`` as
``engine/schemas`` and ``engine/checklists`` (see setup.cfg package_dir);
a source checkout has them at the top of the tree. Nothing depends on the
current directory.
"""

from __future__ import annotations

import os
import stat

from engine.errors import ChecklistError, Problem
from engine.i18n import _

# os.path, not pathlib: importing pathlib (and through it urllib.parse and ipaddress) took
# 4-5 ms of every command's start (process time of `python -c 'import pathlib'`)
_ENGINE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
MAX_FILE_BYTES = 64 * 1024 * 1024


def data_dir(name: str) -> str:
    """The directory ``schemas`` or ``checklists`` of this installation."""
    for candidate in (os.path.join(_ENGINE, name), os.path.join(os.path.dirname(_ENGINE), name)):
        if os.path.isdir(candidate):
            return candidate
    raise FileNotFoundError(f"rectify is installed without its {name}/ directory")


def read_bytes(name: str) -> bytes:
    too_large = ChecklistError(
        [Problem(1, 1, _("the file is larger than {limit} MB").format(limit=MAX_FILE_BYTES // 2**20), name)]
    )
    try:
        # O_NONBLOCK: opening a FIFO without a writer would wait forever, before any check could run
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as f:
            mode = os.fstat(fd).st_mode  # checked on the opened descriptor, not the name
            if stat.S_ISDIR(mode):
                raise IsADirectoryError(name)
            if not stat.S_ISREG(mode):  # /dev/zero, a FIFO, a socket: may never end
                raise ChecklistError([Problem(1, 1, _("not a regular file (a FIFO, a device?)"), name)])
            os.set_blocking(fd, True)
            data = f.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        raise ChecklistError([Problem(1, 1, _("is a directory, not a checklist file"), name)]) from None
    except FileNotFoundError:
        raise ChecklistError([Problem(1, 1, _("no such file"), name)]) from None
    except OSError as e:
        raise ChecklistError(
            [Problem(1, 1, _("cannot read the file: {reason}").format(reason=e.strerror or e), name)]
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise too_large
    return data
