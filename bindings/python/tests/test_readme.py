"""The session in bindings/python/README.md, run as a doctest: its output is
what the library prints, and stays so."""

import doctest
import os
import unittest

README = os.path.join(os.path.dirname(__file__), '..', 'README.md')


def load_tests(loader, tests, pattern):
    tests.addTests(doctest.DocFileSuite(README, module_relative=False,
                                        optionflags=doctest.ELLIPSIS | doctest.REPORT_NDIFF))
    return tests


if __name__ == '__main__':
    unittest.main()
