"""`import devdrv` in a fresh interpreter, as a user runs it: by the
$DEVDRV_LIBRARY override, by soname, and without a library."""

import os
import re
import subprocess
import sys
import unittest

import devdrv
from support import SOURCE_ROOT

PRINT_VERSION = 'import devdrv; print(devdrv.version())'


def python(code, **env_changes):
    """Run `python3 -c code` with the test's environment changed by
    @env_changes (None removes a variable)."""
    env = dict(os.environ)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=30)


def header_version():
    """MAJOR.MINOR.MICRO as include/devdrv/devdrv.h defines it."""
    with open(os.path.join(SOURCE_ROOT, 'include', 'devdrv', 'devdrv.h')) as f:
        header = f.read()
    parts = [re.search(rf'#define DEVDRV_VERSION_{p} (\d+)', header).group(1) for p in ('MAJOR', 'MINOR', 'MICRO')]
    return '.'.join(parts)


class TestImport(unittest.TestCase):
    def test_version_is_the_headers(self):
        self.assertEqual(devdrv.version(), header_version())
        self.assertEqual(devdrv.__version__, devdrv.version())

    def test_import_with_override(self):
        run = python(PRINT_VERSION)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout, devdrv.version() + '\n')

    def test_import_by_soname(self):
        """What an installed binding does: no override, the loader finds
        libdevdrv.so.0 (here through LD_LIBRARY_PATH, in the build tree)."""
        libdir = os.path.dirname(os.environ['DEVDRV_LIBRARY'])
        run = python('import devdrv._lib as l; print(l.lib._name)', DEVDRV_LIBRARY=None, LD_LIBRARY_PATH=libdir)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout, 'libdevdrv.so.0\n')

    def test_missing_library_is_an_import_error_saying_what_to_do(self):
        run = python('import devdrv', DEVDRV_LIBRARY='/nonexistent/libdevdrv.so.0')
        self.assertNotEqual(run.returncode, 0)
        self.assertIn('ImportError: devdrv: cannot load /nonexistent/libdevdrv.so.0', run.stderr)
        self.assertIn('DEVDRV_LIBRARY', run.stderr)

    def test_public_names_exist(self):
        for name in devdrv.__all__:
            self.assertTrue(hasattr(devdrv, name), name)


if __name__ == '__main__':
    unittest.main()
