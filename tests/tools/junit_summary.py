# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sum JUnit XML reports into one line: ``tests: N passed, N failed[, N skipped]``.

Usage: python junit_summary.py [--require-tests] REPORT.xml...
Paths that do not exist are ignored, so a shell glob that matched nothing is harmless.
With ``--require-tests`` the exit status is 1 when the reports hold no test at all.
"""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass


@dataclass
class Counts:
    """Test counts of one or more JUnit suites."""

    tests: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def passed(self) -> int:
        return self.tests - self.failed - self.skipped

    def add(self, other: Counts) -> None:
        self.tests += other.tests
        self.failed += other.failed
        self.skipped += other.skipped

    def render(self) -> str:
        line = 'tests: %d passed, %d failed' % (self.passed, self.failed)
        if self.skipped:
            line += ', %d skipped' % self.skipped
        return line


def suite_counts(suite: ET.Element) -> Counts:
    """Return the counts one <testsuite> element declares."""

    def number(name: str) -> int:
        return int(suite.get(name) or 0)

    return Counts(
        tests=number('tests'),
        failed=number('failures') + number('errors'),
        skipped=number('skipped'),
    )


def report_counts(path: str) -> Counts:
    """Return the counts of one report, whose root is <testsuites> or a single <testsuite>."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == 'testsuite' else root.findall('testsuite')
    total = Counts()
    for suite in suites:
        total.add(suite_counts(suite))
    return total


def main(argv: list[str]) -> int:
    require_tests = '--require-tests' in argv
    paths = [path for path in argv if path != '--require-tests' and os.path.isfile(path)]
    total = Counts()
    for path in paths:
        total.add(report_counts(path))
    print(total.render())
    if require_tests and total.tests == 0:
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
