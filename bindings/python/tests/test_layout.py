"""The ctypes mirrors against the C compiler: sizes, offsets and member
sizes of every struct in devdrv/_lib.py, from the helper layout.c prints
($DEVDRV_PY_LAYOUT, built by meson); and every C function the package calls
has a declared prototype."""

import ctypes
import os
import re
import subprocess
import unittest

import devdrv
from devdrv import _lib


def c_layout():
    """({struct: {'-': sizeof, member: (offsetof, sizeof)}}, {constant: value})
    from the helper."""
    # a sanitizer runtime preloaded for python3 is not the helper's: with
    # clang the helper has its own, linked in, and the two refuse each other
    env = {k: v for k, v in os.environ.items() if k != 'LD_PRELOAD'}
    run = subprocess.run([os.environ['DEVDRV_PY_LAYOUT']], env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f'{os.environ["DEVDRV_PY_LAYOUT"]} failed: {run.stderr}')
    layout, constants = {}, {}
    for line in run.stdout.splitlines():
        struct, member, *numbers = line.split()
        numbers = tuple(int(n) for n in numbers)
        if struct == 'const':
            constants[member] = numbers[0]
        else:
            layout.setdefault(struct, {})[member] = numbers[0] if member == '-' else numbers
    return layout, constants


def py_constants():
    """The binding's constants under their C names."""
    named = {'DEVDRV_OK': devdrv.ErrorCode.OK}
    prefixes = ((devdrv.ErrorCode, 'DEVDRV_E_'), (devdrv.LogLevel, 'DEVDRV_LOG_'),
                (devdrv.Transport, 'DEVDRV_TRANSPORT_'), (devdrv.Speed, 'DEVDRV_SPEED_'),
                (devdrv.Parity, 'DEVDRV_PARITY_'), (devdrv.Flow, 'DEVDRV_FLOW_'), (devdrv.Lines, 'DEVDRV_SERIAL_'))
    for enum, prefix in prefixes:
        named.update({prefix + name: member for name, member in enum.__members__.items()})
    named.update({'DEVDRV_STOP_1': devdrv.StopBits.ONE, 'DEVDRV_STOP_1_5': devdrv.StopBits.ONE_POINT_FIVE,
                  'DEVDRV_STOP_2': devdrv.StopBits.TWO})
    named.update({'DEVDRV_' + name: getattr(devdrv, name) for name in devdrv.__all__ if name.startswith('IOC_')})
    named.update({'DEVDRV_SERIAL_' + name: getattr(devdrv, name) for name in ('PURGE_RX', 'PURGE_TX')})
    return named


def py_member(name):
    """The mirror's name of a C member: keywords get a trailing underscore."""
    return name + '_' if name == 'in' else name


@unittest.skipUnless(os.environ.get('DEVDRV_PY_LAYOUT'), 'DEVDRV_PY_LAYOUT: the layout helper, built by meson')
class TestLayout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c, cls.constants = c_layout()

    def test_every_mirror_is_measured(self):
        self.assertEqual(set(self.c), set(_lib.MIRRORED_STRUCTS))

    def test_sizes(self):
        for name, mirror in _lib.MIRRORED_STRUCTS.items():
            with self.subTest(struct=name):
                self.assertEqual(ctypes.sizeof(mirror), self.c[name]['-'])

    def test_members(self):
        for name, mirror in _lib.MIRRORED_STRUCTS.items():
            c_members = {py_member(m): v for m, v in self.c[name].items() if m != '-'}
            self.assertEqual([f[0] for f in mirror._fields_], list(c_members), name)
            for member, (offset, size) in c_members.items():
                with self.subTest(struct=name, member=member):
                    self.assertEqual(getattr(mirror, member).offset, offset)
                    self.assertEqual(getattr(mirror, member).size, size)

    def test_constants(self):
        """Each enum value and macro the helper prints has its Python twin,
        with the same value."""
        python = py_constants()
        self.assertGreater(len(self.constants), 60)
        for name, value in self.constants.items():
            with self.subTest(constant=name):
                self.assertIn(name, python)
                self.assertEqual(python[name], value)


class TestPrototypes(unittest.TestCase):
    def test_every_called_function_is_declared(self):
        """ctypes calls an undeclared function with int arguments and an int
        result, which truncates pointers: every devdrv_* the package names
        must be in the table that declares them."""
        package = os.path.dirname(_lib.__file__)
        called = set()
        for file in os.listdir(package):
            if file.endswith('.py'):
                with open(os.path.join(package, file)) as f:
                    called |= set(re.findall(r'\blib\.(devdrv_\w+)', f.read()))
        self.assertTrue(called)
        self.assertEqual(called - set(_lib._PROTOTYPES), set())

    def test_declared_on_the_library(self):
        for name, (restype, argtypes) in _lib._PROTOTYPES.items():
            fn = getattr(_lib.lib, name)
            self.assertIs(fn.restype, restype, name)
            self.assertEqual(list(fn.argtypes), argtypes, name)


if __name__ == '__main__':
    unittest.main()
