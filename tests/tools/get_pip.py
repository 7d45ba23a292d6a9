# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline-friendly stand-in for the ``get-pip.py`` bootstrap that ansible-test downloads.

ansible-test fetches ``get-pip-<version>.py`` from a host that is not a package registry and
that an offline runner cannot reach. It reads ``~/.ansible/test/cache/get_pip_<X_Y>.py`` first, so
``make test`` places this script there. It is called as
``python get_pip.py [pip options] pip==<version> [--no-setuptools] [--no-wheel]``
inside a virtual environment that has no pip yet.

It runs pip straight from a wheel the interpreter already ships (``ensurepip``'s bundled
wheel, or Debian's ``/usr/share/python-wheels``) and lets that pip install the requested
version from PyPI.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys

# Options understood by the real get-pip.py but not by ``pip install``.
GET_PIP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')
WHEEL_DIRECTORIES = ('/usr/share/python-wheels',)


def ensurepip_bundled_directory() -> str | None:
    """Return the directory holding ensurepip's bundled wheels, if this Python has one."""
    try:
        import ensurepip
    except ImportError:
        return None
    return os.path.join(os.path.dirname(ensurepip.__file__), '_bundled')


def find_pip_wheel() -> str:
    """Return the path of the newest pip wheel shipped with this interpreter."""
    directories = [ensurepip_bundled_directory()] + list(WHEEL_DIRECTORIES)
    for directory in directories:
        if not directory:
            continue
        wheels = sorted(glob.glob(os.path.join(directory, 'pip-*.whl')))
        if wheels:
            return wheels[-1]
    raise SystemExit('get_pip.py: no bundled pip wheel found in: %s' % ', '.join(d for d in directories if d))


def pip_install_arguments(argv: list[str]) -> list[str]:
    """Translate get-pip.py arguments into ``pip install`` arguments."""
    passed_on = [argument for argument in argv if argument not in GET_PIP_ONLY_OPTIONS]
    if not any(argument.startswith('pip') and not argument.startswith('--') for argument in passed_on):
        passed_on.append('pip')
    return ['install', '--upgrade'] + passed_on


def main() -> None:
    """Install pip using pip run from a bundled wheel (the ``pip`` directory of a pip wheel runs as a script)."""
    pip_in_wheel = os.path.join(find_pip_wheel(), 'pip')
    sys.exit(subprocess.call([sys.executable, pip_in_wheel] + pip_install_arguments(sys.argv[1:])))


if __name__ == '__main__':
    main()
