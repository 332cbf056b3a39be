"""Build relsparse: setuptools hands every native module to CMake (CMakeLists.txt).

The extension is compiled against the Python of the environment that runs
the build; install with ``pip install --no-build-isolation .`` (the torch
layers, built against your torch, will need it).

Developers rebuild in place with ``python setup.py build_ext --inplace``.

Environment knobs:
  RELSPARSE_BUILD_DIR   CMake build tree (default: build/<python tag>), kept
                        between builds so rebuilds are incremental.
  RELSPARSE_NATIVE=0    do not compile for the build machine's CPU.
  RELSPARSE_CMAKE_ARGS  extra arguments for the CMake configure step.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeExtension(Extension):
    """A module whose sources and flags live in CMakeLists.txt, not here."""

    def __init__(self, name: str, target: str) -> None:
        super().__init__(name, sources=[])
        self.target = target


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        if not isinstance(ext, CMakeExtension):
            super().build_extension(ext)
            return
        tag = sysconfig.get_config_var("SOABI") or f"py{sys.version_info[0]}{sys.version_info[1]}"
        build_dir = Path(os.environ.get("RELSPARSE_BUILD_DIR", ROOT / "build" / tag))
        # CMake writes modules to a fixed folder of the build tree (setuptools'
        # own build folders are temporary), then they are copied into place.
        lib_dir = build_dir / "lib"
        lib_dir.mkdir(parents=True, exist_ok=True)
        configure = [
            "cmake",
            "-S", str(ROOT),
            "-B", str(build_dir),
            "-G", "Ninja",
            f"-DPython_EXECUTABLE={sys.executable}",
            f"-DCMAKE_LIBRARY_OUTPUT_DIRECTORY={lib_dir}",
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DRELSPARSE_NATIVE={'OFF' if os.environ.get('RELSPARSE_NATIVE') == '0' else 'ON'}",
        ]
        configure += shlex.split(os.environ.get("RELSPARSE_CMAKE_ARGS", ""))
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", ext.target], check=True)
        built = lib_dir / Path(self.get_ext_filename(ext.name)).name
        destination = Path(self.get_ext_fullpath(ext.name))
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, destination)


_extensions = [CMakeExtension("relsparse._graph", target="_graph")]

setup(
    ext_modules=_extensions,
    cmdclass={"build_ext": CMakeBuild},
)
