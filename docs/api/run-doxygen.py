#!/usr/bin/env python3
"""run-doxygen.py build|check DOXYGEN DOXYFILE [HEADERDIR] — the API reference.

build: write the HTML reference where the Doxyfile says. Warnings are
printed but do not stop the build: a missing comment must fail the
'doxygen' test, not every build of the tree.

check: run Doxygen into a scratch directory with WARN_AS_ERROR =
FAIL_ON_WARNINGS and fail on any warning, and on any message at all on
stderr (a malformed configuration is reported there too). Doxygen 1.9.4
is silent about two things, so the check also reads Doxygen's XML: an enum
value without a description, and a header of HEADERDIR without a @file
comment (Doxygen then leaves its functions out of the reference, and warns
about none of them).
"""
import pathlib
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET


def run(doxygen, doxyfile, overrides):
    # Later assignments win: the configured file, then ours, fed on stdin.
    config = pathlib.Path(doxyfile).read_text(encoding='utf-8')
    config += ''.join(f'\n{key} = {value}' for key, value in overrides.items()) + '\n'
    return subprocess.run([doxygen, '-'], input=config, text=True, capture_output=True)


def described(element):
    return any(element.find(tag) is not None and ''.join(element.find(tag).itertext()).strip()
               for tag in ('briefdescription', 'detaileddescription'))


def undocumented_headers(xml_dir, header_dir):
    documented = set()
    for path in pathlib.Path(xml_dir).glob('*_8h.xml'):
        for compound in ET.parse(path).getroot().iter('compounddef'):
            if compound.get('kind') == 'file' and described(compound):
                documented.add(compound.findtext('compoundname'))
    return [f'{header}: no @file comment: none of its declarations is in the reference'
            for header in sorted(pathlib.Path(header_dir).glob('*.h')) if header.name not in documented]


def undocumented_enum_values(xml_dir):
    missing = []
    for path in sorted(pathlib.Path(xml_dir).glob('*.xml')):
        if path.name in ('index.xml', 'Doxyfile.xml'):
            continue
        for enum in ET.parse(path).getroot().iter('memberdef'):
            if enum.get('kind') != 'enum':
                continue
            for value in enum.iter('enumvalue'):
                if not described(value):
                    location = enum.find('location')
                    where = f"{location.get('file')}:{location.get('line')}" if location is not None else path.name
                    missing.append(f"{where}: enum value {value.findtext('name')} of "
                                   f"{enum.findtext('name')} is not documented")
    return missing


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[1] not in ('build', 'check'):
        sys.exit(__doc__.split('\n', 1)[0])
    mode, doxygen, doxyfile = sys.argv[1:4]
    header_dir = sys.argv[4] if len(sys.argv) == 5 else None
    if mode == 'build':
        result = run(doxygen, doxyfile, {'WARN_AS_ERROR': 'NO'})
        sys.stderr.write(result.stderr)
        sys.exit(result.returncode)

    with tempfile.TemporaryDirectory() as scratch:
        result = run(doxygen, doxyfile, {
            'OUTPUT_DIRECTORY': f'"{scratch}"',
            'WARN_AS_ERROR': 'FAIL_ON_WARNINGS',
            'WARN_LOGFILE': '',
            'GENERATE_XML': 'YES',
            'XML_OUTPUT': 'xml',
        })
        problems = [line for line in result.stderr.splitlines() if line.strip()]
        # FAIL_ON_WARNINGS still writes the XML: report both kinds at once
        xml_dir = pathlib.Path(scratch) / 'xml'
        if xml_dir.is_dir():
            problems += undocumented_enum_values(xml_dir)
            if header_dir:
                problems += undocumented_headers(xml_dir, header_dir)
    for line in problems:
        print(line)
    if result.returncode != 0 or problems:
        print(f'FAIL: doxygen exited with {result.returncode}, {len(problems)} problem(s)')
        sys.exit(1)
    print('ok: the API reference builds without a warning; every enum value'
          + (' and every header' if header_dir else '') + ' is documented')


if __name__ == '__main__':
    main()
